package api

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// problemText is one text the API writes into a problem (title, detail or a
// field's reason) in each language it speaks. en is the text exactly as
// the code writes it, a fmt format where the code formats it (its verbs
// stand for values: numbers, names, dates); ru says the same in Russian
// with the same verbs in the same order.
type problemText struct {
	en, ru string
}

// problemCatalogue is the one catalogue of the API's problem texts. A text that
// is not here is sent in English whatever the client asks for;
// TestMessageCatalogue holds every entry to both languages and the texts
// of event records, analysis parameters and the problems' titles to the
// catalogue.
var problemCatalogue = []problemText{
	// Titles and details of problems (errors.go and the handlers).
	{"Invalid request", "Неверный запрос"},
	{"Invalid parameter", "Неверный параметр"},
	{"Unauthorized", "Требуется вход"},
	{"send a valid API token as Authorization: Bearer <token> (or sign in)", "отправьте действующий токен API как Authorization: Bearer <токен> (или войдите в систему)"},
	{"Forbidden", "Доступ запрещён"},
	{"your agency or role may not do this", "вашему ведомству или вашей роли это не разрешено"},
	{"Too many requests", "Слишком много запросов"},
	{"slow down and retry shortly", "подождите немного и повторите"},
	{"Too many streams", "Слишком много потоков"},
	{"this token or agency has as many live streams open as it may; close one (one stream carries every type)", "у этого токена или ведомства открыто максимальное число потоков; закройте один (один поток передаёт все типы)"},
	{"Not found", "Не найдено"},
	{"Method not allowed", "Метод не разрешён"},
	{"the Allow header lists the methods of this resource", "заголовок Allow перечисляет методы этого ресурса"},
	{"Precondition failed", "Предусловие не выполнено"},
	{"the record was changed since you read it; fetch it again (new ETag) and retry", "запись изменилась после того, как вы её прочитали; загрузите её снова (новый ETag) и повторите"},
	{"Precondition required", "Требуется предусловие"},
	{"Idempotency key reused", "Ключ идемпотентности уже использован"},
	{"already used for a different request", "уже использован для другого запроса"},
	{"Conflict", "Конфликт"},
	{"a record with the same agency and source_ref exists", "запись с тем же ведомством и source_ref уже существует"},
	{"Service unavailable", "Сервис недоступен"},
	{"the database is not reachable; retry later", "база данных недоступна; повторите позже"},
	{"Timed out", "Время ожидания истекло"},
	{"the request took too long; narrow it or retry later", "запрос выполнялся слишком долго; сузьте его или повторите позже"},
	{"Client closed request", "Клиент закрыл запрос"},
	{"Internal error", "Внутренняя ошибка"},
	{"the error was logged with this request_id", "ошибка записана в журнал с этим request_id"},
	{"Request body too large", "Тело запроса слишком велико"},
	{"Cannot plan", "Невозможно спланировать"},
	{"no border lines are loaded; give bbox or sector", "линии границы не загружены; укажите bbox или sector"},
	{"send the ETag of the version you edited, so that no one else's change is overwritten", "отправьте ETag версии, которую вы редактировали, чтобы не перезаписать чужое изменение"},
	{"you can record events only for your own agency (%s)", "вы можете вносить события только для своего ведомства (%s)"},
	{"not an ETag of this service", "не ETag этого сервиса"},
	{"malformed; use the next link as given", "искажено; используйте ссылку next без изменений"},
	{"does not match the URL", "не совпадает с URL"},
	{"a merge patch must be a JSON object", "merge patch должен быть объектом JSON"},
	{"cannot be changed", "нельзя изменить"},

	// Event records (record/event.go, area.go, plausible.go, errors.go).
	{"a seizure needs at least one item", "для изъятия нужна хотя бы одна позиция"},
	{"only incidents have a category", "категория бывает только у инцидентов"},
	{"only incidents have a severity", "тяжесть бывает только у инцидентов"},
	{"incidents carry no items; record the seizure as its own event", "у инцидентов нет позиций; внесите изъятие отдельным событием"},
	{"must be one of %s", "должно быть одним из: %s"},
	{"must be an integer from 1 to 5", "должно быть целым числом от 1 до 5"},
	{"must be seizure or incident", "должно быть seizure (изъятие) или incident (инцидент)"},
	{"required (RFC 3339 date-time)", "обязательно (дата и время RFC 3339)"},
	{"year must lie in 1900-2199", "год должен быть в пределах 1900–2199"},
	{"coordinates must be lon in [-180, 180], lat in [-90, 90]", "координаты: долгота в [-180, 180], широта в [-90, 90]"},
	{"must be between 0 and 1000000", "должно быть от 0 до 1000000"},
	{"required", "обязательно"},
	{"not an agency id", "не идентификатор ведомства"},
	{"must be between 0 and 100000", "должно быть от 0 до 100000"},
	{"unknown drug %q; must be one of %s", "неизвестный наркотик %q; должно быть одним из: %s"},
	{"%s is listed twice", "%s указан дважды"},
	{"must be a number above 0 and at most 10000000", "должно быть числом больше 0 и не больше 10000000"},
	{"must be above 0: a seizure item records what was seized", "должно быть больше 0: позиция изъятия записывает изъятое"},
	{"%g %s of %s is above the plausible maximum of %g %s for one seizure; check the quantity and unit, or confirm it (%s.confirmed_implausible)",
		"%g %s (%s) больше правдоподобного максимума %g %s для одного изъятия; проверьте количество и единицу или подтвердите (%s.confirmed_implausible)"},
	{"must be kg or l", "должно быть kg (кг) или l (л)"},
	{"lon %.5f, lat %.5f lies outside the area this deployment covers: %s", "долгота %.5f, широта %.5f вне района, который охватывает эта установка: %s"},
	{"lies in the future: %s is after the server's clock %s (allowing %s of clock difference)", "в будущем: %s позже времени сервера %s (с допуском %s на расхождение часов)"},
	{"not valid UTF-8", "недопустимый UTF-8"},
	{"longer than %d characters", "длиннее %d символов"},
	{"contains a NUL character", "содержит символ NUL"},
	{"unknown value %q; must be one of %s", "неизвестное значение %q; должно быть одним из: %s"},

	// Analysis and query parameters (geo/analysis_params.go, bbox.go, interval.go).
	{"give datetime or from/to, not both", "укажите datetime или from/to, но не оба"},
	{"the interval ends before it starts", "интервал заканчивается раньше, чем начинается"},
	{"unknown drug %q", "неизвестный наркотик %q"},
	{"unknown category %q", "неизвестная категория %q"},
	{"at most 100 agencies", "не больше 100 ведомств"},
	{"not a sector id", "не идентификатор сектора"},
	{"give only one of bbox, sector and corridor_km", "укажите только одно из: bbox, sector, corridor_km"},
	{"must be one date or date-time", "должно быть одной датой или датой и временем"},
	{"must be count or kg", "должно быть count (число) или kg (кг)"},
	{"must be gistar or kde", "должно быть gistar или kde"},
	{"applies to method=gistar; kde takes bandwidth_m", "относится к method=gistar; для kde служит bandwidth_m"},
	{"applies to method=kde; gistar takes radius_m", "относится к method=kde; для gistar служит radius_m"},
	{"applies to method=kde; gistar takes min_bin", "относится к method=kde; для gistar служит min_bin"},
	{"must be a positive number of metres, at most 1e6", "должно быть положительным числом метров, не больше 1e6"},
	{"must be in [1, 1000000]", "должно быть в [1, 1000000]"},
	{"emerging hot spots need a closed time window (datetime=start/end or from and to)", "для возникающих горячих точек нужен закрытый интервал времени (datetime=начало/конец или from и to)"},
	{"required: week, month or quarter", "обязательно: week, month или quarter"},
	{"must be week, month or quarter", "должно быть week, month или quarter"},
	{"must be in [1, %d]", "должно быть в [1, %d]"},
	{"must be entire_cube or neighborhood_time_step", "должно быть entire_cube или neighborhood_time_step"},
	{"must be true or false", "должно быть true или false"},
	{"must be a number", "должно быть числом"},
	{"must be an integer", "должно быть целым числом"},
	{"must be a number in (0, %g]", "должно быть числом в (0, %g]"},
	{"empty", "пусто"},
	{"an interval has exactly one '/'", "в интервале ровно один знак '/'"},
	{"both ends of the interval are open", "оба конца интервала открыты"},
	{"year out of range 1900-2200", "год вне диапазона 1900–2200"},
	{"not an RFC 3339 date-time or date: %s", "не дата или дата и время RFC 3339: %s"},
	{"every cell has the same value in every step; no trend can be computed", "у каждой ячейки одно и то же значение на каждом шаге; тренд вычислить нельзя"},
	{"must be a positive number of metres", "должно быть положительным числом метров"},
	{"must be json, geojson or csv", "должно быть json, geojson или csv"},
	{"must be geojson, gpx or kml", "должно быть geojson, gpx или kml"},
	{"the shift starts %s (%s); a plan is for a shift from %s ago to %.0f days ahead", "смена начинается %s (%s); план составляется на смену не раньше чем %s назад и не позже чем через %.0f дн."},
	{"must be a number of metres in [%g, 1e6]", "должно быть числом метров в [%g, 1e6]"},
	{"the area has %d cells, more than the limit %d; use a larger cell_m or a smaller area", "в районе %d ячеек, больше предела %d; возьмите больший cell_m или меньший район"},
	{"no cell centre lies in the area; use a larger area or smaller cell_m", "ни один центр ячейки не лежит в районе; возьмите больший район или меньший cell_m"},
	{"more than %d events to cluster; narrow the filter or area", "больше %d событий для кластеризации; сузьте фильтр или район"},
	{"no sector %q", "нет сектора %q"},
	{"no agency %q", "нет ведомства %q"},
	{"no team %d", "нет группы %d"},
	// Entities (record/entity.go, entities.go, entity_links.go).
	{"required for a %s", "обязательно для типа %s"},
	{"only a %s has it", "есть только у типа %s"},
	{"must be an ISO 15924 code such as Cyrl, Latn or Arab", "должно быть кодом ISO 15924, например Cyrl, Latn или Arab"},
	{"at most 50 spellings", "не больше 50 написаний"},
	{"must lie in 1900-2100", "должно лежать в 1900–2100"},
	{"must be a date YYYY-MM-DD", "должно быть датой ГГГГ-ММ-ДД"},
	{"year must lie in 1900-2100", "год должен лежать в 1900–2100"},
	{"differs from the year of birth_date", "не совпадает с годом birth_date"},
	{"at most 20 documents", "не больше 20 документов"},
	{"must be a lower-case word such as passport or national_id", "должно быть словом в нижнем регистре, например passport или national_id"},
	{"must be a number from 0 to 10000000", "должно быть числом от 0 до 10000000"},
	{"must be an ISO 3166-1 alpha-3 code such as TJK", "должно быть кодом ISO 3166-1 alpha-3, например TJK"},
	{"a %s cannot be the %s of an event", "%s не может быть ролью «%s» в событии"},
	{"a %s cannot be %s a %s", "%s не может быть в связи «%s» с %s"},
	{"you can record entities only for your own agency (%s)", "вы можете вносить сущности только для своего ведомства (%s)"},
	{"must be an integer from 1 to 1000", "должно быть целым числом от 1 до 1000"},
	{"must be an integer from 1 to %d", "должно быть целым числом от 1 до %d"},
	{"this link exists already", "такая связь уже есть"},
	{"required: the id of an entity", "обязательно: id сущности"},
	// Messages (messages.go).
	{"not a message id", "не id сообщения"},
	{"must be a non-negative integer", "должно быть неотрицательным целым числом"},
	// Positions and tracking (record/position.go, positions.go, positions_read.go, tracking.go).
	{"must be a latitude in [-90, 90]", "должно быть широтой в [-90, 90]"},
	{"must be a longitude in [-180, 180]", "должно быть долготой в [-180, 180]"},
	{"year must lie in 2000-2199 (is the device's clock set?)", "год должен лежать в 2000–2199 (установлены ли часы устройства?)"},
	{"unknown protocol %q", "неизвестный протокол %q"},
	{"must be between %g and %g", "должно быть между %g и %g"},
	{"names another device than the request's id; send one device's positions per request", "называет другое устройство, чем id запроса; отправляйте в одном запросе позиции одного устройства"},
	{"required: send lat and lon as query or form parameters, or a JSON, line or GPX body", "обязательно: отправьте lat и lon как параметры запроса или формы либо тело JSON, строками или GPX"},
	{"not a form: %s", "не форма: %s"},
	{"holds no positions", "не содержит позиций"},
	{"larger than %d bytes", "больше %d байт"},
	{"could not be read", "не удалось прочитать"},
	{"required: the device's id (its secret from borderwatch device create)", "обязательно: id устройства (его секрет из borderwatch device create)"},
	{"no registered device has this id", "ни у одного зарегистрированного устройства нет такого id"},
	{"this device was revoked; nothing it sends is stored", "это устройство отозвано; ничего из отправленного им не сохраняется"},
	{"the device belongs to team %d, not %d", "устройство принадлежит группе %d, а не %d"},
	{"must be a number of metres from 10 to 10000", "должно быть числом метров от 10 до 10000"},
	// Collections (ogc.go).
	{"unknown query parameter; allowed: %s", "неизвестный параметр запроса; допустимы: %s"},
}

// verb matches a fmt verb with its flags, width and precision.
var verb = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z]`)

// catalogue finds the Russian text of an English one.
type catalogue struct {
	exact    map[string]string
	patterns []pattern
}

// pattern is a catalogued format: re matches its English text with each
// verb's value captured, ru is the Russian format.
type pattern struct {
	re *regexp.Regexp
	ru string
}

// newCatalogue compiles msgs. A format matches an English text whose
// literal parts are the format's and whose values are any text; formats
// with more literal text are tried first, so the most specific wins.
func newCatalogue(msgs []problemText) *catalogue {
	c := &catalogue{exact: make(map[string]string, len(msgs))}
	for _, m := range msgs {
		if !verb.MatchString(m.en) {
			c.exact[m.en] = m.ru
			continue
		}
		lits := verb.Split(m.en, -1)
		for i, l := range lits {
			lits[i] = regexp.QuoteMeta(l)
		}
		c.patterns = append(c.patterns, pattern{re: regexp.MustCompile("^" + strings.Join(lits, "(.*?)") + "$"), ru: m.ru})
		// The English text itself, where a caller passes it unformatted.
		c.exact[m.en] = m.ru
	}
	sort.SliceStable(c.patterns, func(i, j int) bool {
		return len(verb.ReplaceAllString(c.patterns[i].ru, "")) > len(verb.ReplaceAllString(c.patterns[j].ru, ""))
	})
	return c
}

// russian returns the Russian text of s, or s if the catalogue has none.
func (c *catalogue) russian(s string) string {
	if ru, ok := c.exact[s]; ok {
		return ru
	}
	for _, p := range c.patterns {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		i := 0
		return verb.ReplaceAllStringFunc(p.ru, func(string) string {
			i++
			if i < len(m) {
				return m[i]
			}
			return ""
		})
	}
	return s
}

// problemTexts is the compiled problemCatalogue.
var problemTexts = newCatalogue(problemCatalogue)

// languageMatcher picks the language a problem is written in: English
// (the fallback) or Russian.
var languageMatcher = language.NewMatcher([]language.Tag{language.English, language.Russian})

// wantsRussian reports whether the request's Accept-Language prefers
// Russian to English (RFC 9110 §12.5.4 with BCP 47 matching).
func wantsRussian(r *http.Request) bool {
	al := r.Header.Get("Accept-Language")
	if al == "" {
		return false
	}
	_, i, _ := languageMatcher.Match(parseAcceptLanguage(al)...)
	return i == 1
}

// parseAcceptLanguage reads an Accept-Language header; a malformed one
// reads as no preference.
func parseAcceptLanguage(s string) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil {
		return nil
	}
	return tags
}

// localize translates a problem's title, detail and reasons into the
// language the request asks for, and says which language it is in.
func localize(w http.ResponseWriter, r *http.Request, p *problem) {
	w.Header().Add("Vary", "Accept-Language")
	if !wantsRussian(r) {
		w.Header().Set("Content-Language", "en")
		return
	}
	w.Header().Set("Content-Language", "ru")
	p.Title = problemTexts.russian(p.Title)
	p.Detail = problemTexts.russian(p.Detail)
	for i := range p.InvalidParams {
		p.InvalidParams[i].Reason = problemTexts.russian(p.InvalidParams[i].Reason)
	}
}
