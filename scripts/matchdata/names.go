package main

import "strings"

// The names below are common given names and surnames of the region,
// written in their own script: Tajik and Uzbek Cyrillic, Russian Cyrillic,
// Turkmen Latin (1993 alphabet) with its Russian form, Dari/Pashto in
// Arabic script with the English spellings Afghan passports and news
// agencies use (and, where the name is also Tajik, its Tajik Cyrillic).
// No entry is a particular person.

// fields splits a space-separated list.
func fields(s string) []string { return strings.Fields(s) }

var tjGiven = fields(`Рустам Фарҳод Ҷамшед Далер Шерзод Баҳром Умед Фирӯз Меҳроб Суҳроб
	Абдураҳмон Наҷмиддин Ҳасан Исмоил Иброҳим Юсуф Қурбон Ғайрат Ҷонибек Зафар Комрон
	Бахтиёр Диловар Нуриддин Шаҳбоз Карим Салим Алишер Давлат Шуҳрат Нодир Акмал Анвар
	Ҷамол Илҳом Насим Раҳим Тоҳир Собир Нуралӣ`)

var tjGivenFemale = fields(`Нигора Мадина Зарина Гулнора Малика Шаҳло`)

var tjSurname = fields(`Абдуллоев Қодиров Раҳимов Ҷӯраев Ғафуров Назаров Шарипов Раҳмонов
	Саидов Давлатов Ҳакимов Исмоилов Юсуфов Мирзоев Сафаров Қурбонов Ёқубов Ҳамидов Собиров
	Каримов Маҳмадов Эргашев Олимов Зокиров Нуриддинов Абдураҳмонов Бобоев Холов Самадов
	Раҷабов Шоев Раҳмонзода Каримзода Ҳасанзода Шарифзода Раҳимӣ Шарифӣ Салимов Қосимов`)

// tjGivenLike and the other *Like maps pair a name with different names
// that look or sound close to it: the hard non-matches of the set.
var tjGivenLike = pairs(`Рустам:Расул Фарҳод:Фаррух Карим:Комил Салим:Салом Алишер:Алиҷон
	Далер:Дилшод Баҳром:Баҳодур Умед:Умар Давлат:Даврон Шерзод:Шералӣ Шуҳрат:Шавкат
	Нодир:Нозим Акмал:Акрам Анвар:Акбар Ҷамол:Ҷалол Ҳасан:Ҳусейн Илҳом:Илёс Зафар:Зоҳир
	Насим:Носир Раҳим:Раҳмат Тоҳир:Толиб Собир:Содиқ Иброҳим:Исмоил Нуралӣ:Нурулло
	Нигора:Нигина Мадина:Марина Гулнора:Гулноза Малика:Малоҳат Шаҳло:Шаҳноза Зарина:Зарема
	Фирӯз:Фируза Суҳроб:Сӯҳбат Комрон:Камол Ҷамшед:Ҷасур Юсуф:Юнус Қурбон:Қудрат`)

var tjSurnameLike = pairs(`Абдуллоев:Абдуллозода Каримов:Комилов Раҳимов:Раҳмонов Раҳимов:Раҳимӣ
	Шарипов:Шарофов Назаров:Назиров Саидов:Содиқов Юсуфов:Юнусов Мирзоев:Мирзоалиев
	Ҳакимов:Ҳалимов Олимов:Алиев Салимов:Саломов Давлатов:Давронов Исмоилов:Исматов
	Қурбонов:Қурбоналиев Ҳамидов:Ҳамдамов Абдуллоев:Абдулов Раҳмонов:Раҳмон Сафаров:Сафаралиев
	Шоев:Шоҳиев Бобоев:Бобоҷонов Ғафуров:Ғуломов Қодиров:Қосимов Холов:Холиқов
	Нуриддинов:Нуралиев Собиров:Собитов Зокиров:Зоиров Эргашев:Эшонов Самадов:Саъдиев
	Раҷабов:Раҷабалиев Ёқубов:Ёдгоров Маҳмадов:Маҳмудов Каримзода:Каримов Ҳасанзода:Ҳусейнзода
	Шарифзода:Шарифов Раҳмонзода:Раҳимзода Абдураҳмонов:Абдураҳимов Ҷӯраев:Ҷумаев Қосимов:Қодиров`)

var uzGiven = fields(`Алишер Бахтиёр Ўктам Ғайрат Жамшид Шуҳрат Равшан Отабек Санжар Улуғбек
	Дилшод Нодир Шавкат Акмал Тоҳир Илҳом Жасур Ҳусан Зиёвуддин Фарҳод`)

var uzSurname = fields(`Тошматов Эргашев Юсупов Қодиров Раҳимов Абдуллаев Ғуломов Ўринбоев
	Холматов Нурматов Исмоилов Мирзаев Ҳайдаров Жўраев Султонов Рашидов Қосимов Норбоев
	Ҳамроев Тўхтасинов`)

var uzGivenLike = pairs(`Алишер:Алимжон Бахтиёр:Баҳодир Ўктам:Ўлмас Жамшид:Жасур Санжар:Сардор
	Улуғбек:Ойбек Дилшод:Дилмурод Нодир:Носир Шавкат:Шоҳрух Акмал:Акром Илҳом:Илёс
	Равшан:Рустам Отабек:Отабой Тоҳир:Тоҳиржон Фарҳод:Фаррух Ҳусан:Ҳасан Шуҳрат:Шуҳратбек`)

var uzSurnameLike = pairs(`Тошматов:Тошпўлатов Эргашев:Эшонов Юсупов:Юнусов Қодиров:Қосимов
	Ғуломов:Ғафуров Ўринбоев:Ўроқов Холматов:Холмирзаев Нурматов:Нурмуҳамедов
	Мирзаев:Мирзоҳидов Ҳайдаров:Ҳамроев Жўраев:Жумаев Султонов:Салимов Рашидов:Ражабов
	Норбоев:Норматов Абдуллаев:Абдуллажонов Раҳимов:Раҳимбоев Исмоилов:Исмоилжонов
	Тўхтасинов:Тўхтаев`)

var ruGiven = fields(`Сергей Алексей Дмитрий Андрей Николай Игорь Евгений Юрий Владимир Артём`)
var ruGivenFemale = fields(`Ольга Татьяна Елена Юлия`)

var ruSurname = fields(`Иванов Петров Кузнецов Смирнов Соколов Волков Морозов Лебедев Новиков
	Фёдоров Егоров Яковлев Щербаков Журавлёв`)

var ruGivenLike = pairs(`Сергей:Семён Алексей:Александр Дмитрий:Денис Андрей:Анатолий
	Николай:Никита Игорь:Илья Евгений:Егор Юрий:Юлиан Владимир:Вадим Артём:Артур
	Ольга:Олеся Татьяна:Тамара Елена:Алёна Юлия:Юлиана`)

var ruSurnameLike = pairs(`Иванов:Ивашов Петров:Петраков Кузнецов:Кузьмин Смирнов:Смолин
	Соколов:Сорокин Волков:Власов Морозов:Моргунов Лебедев:Леонтьев Новиков:Носков
	Фёдоров:Фомин Егоров:Елисеев Яковлев:Яшин Щербаков:Щукин Журавлёв:Жуков`)

// tmName is a Turkmen name in the Turkmen Latin alphabet of 1993 and in
// the Russian Cyrillic of Soviet-era and Russian documents.
type tmName struct{ tk, ru string }

var tmGiven = tmNames(`Serdar:Сердар Merdan:Мердан Batyr:Батыр Döwlet:Довлет Myrat:Мурат
	Begenç:Бегенч Rahman:Рахман Kakajan:Какаджан Ylýas:Ильяс Maksat:Максат`)

var tmSurname = tmNames(`Annaýew:Аннаев Çaryýew:Чарыев Orazow:Оразов Gurbanow:Курбанов
	Myradow:Мурадов Hojamyradow:Ходжамурадов Durdyýew:Дурдыев Ataýew:Атаев Öwezow:Овезов
	Saparow:Сапаров Rejepow:Реджепов Halmyradow:Халмурадов Berdiýew:Бердыев`)

var tmGivenLike = tmPairs(`Serdar:Seýdi:Сейди Merdan:Meret:Мерет Batyr:Baýram:Байрам
	Döwlet:Döwran:Довран Rahman:Rahym:Рахим Kakajan:Kakamyrat:Какамурад Maksat:Mekan:Мекан
	Myrat:Merdan:Мердан Begenç:Bego:Бего Ylýas:Ylham:Ильхам`)

var tmSurnameLike = tmPairs(`Annaýew:Annamyradow:Аннамурадов Orazow:Orazgeldiýew:Оразгельдыев
	Gurbanow:Gurbangeldiýew:Курбангельдыев Myradow:Muhammedow:Мухаммедов
	Ataýew:Atabaýew:Атабаев Saparow:Saparmyradow:Сапармурадов Rejepow:Rejebaýew:Реджебаев
	Durdyýew:Durdymyradow:Дурдымурадов Berdiýew:Berdimyradow:Бердымурадов
	Halmyradow:Hojamyradow:Ходжамурадов Çaryýew:Çaryguliýew:Чарыкулиев Öwezow:Öwezgeldiýew:Овезгельдыев`)

// afName is a Dari or Pashto name in Arabic script, its English
// spellings, and its Tajik Cyrillic form where the name is also Tajik.
type afName struct {
	ar    string
	latin []string
	tj    string
}

var afGiven = afNames(`محمد|Mohammad,Muhammad,Mohammed,Mohamad|Муҳаммад
	احمد|Ahmad,Ahmed|Аҳмад
	عبدالله|Abdullah,Abdulla|Абдулло
	عبدالرحمن|Abdul Rahman,Abdurrahman,Abdulrahman|Абдураҳмон
	گلبدین|Gulbuddin,Gulbudin|
	نورالله|Noorullah,Nurullah,Noorulla|Нурулло
	ظاهر|Zahir,Zaher|Зоҳир
	نجیب|Najib,Najeeb|Наҷиб
	حمید|Hamid,Hameed|Ҳамид
	رشید|Rashid,Rasheed|Рашид
	فرید|Farid,Fareed|Фарид
	جاوید|Javid,Jawed,Javed|Ҷовид
	شفیق|Shafiq,Shafeeq|Шафиқ
	حبیب‌الله|Habibullah,Habibulla|Ҳабибулло
	نصیر|Nasir,Naseer|Насир
	عزیز|Aziz,Azeez|Азиз
	قادر|Qadir,Qader,Kadir|Қодир
	یوسف|Yousuf,Yusuf,Yosuf|Юсуф
	داوود|Dawood,Dawud,Davud|Довуд
	محمود|Mahmood,Mahmud|Маҳмуд
	خالد|Khalid,Khaled|Холид
	وحید|Wahid,Waheed,Vahid|Воҳид`)

var afSurname = afNames(`احمدزی|Ahmadzai,Ahmadzay|
	پوپلزی|Popalzai,Popalzay|
	یوسفزی|Yousafzai,Yusufzai,Yousufzai|
	رحیمی|Rahimi,Raheemi|Раҳимӣ
	کریمی|Karimi,Kareemi|Каримӣ
	حکیمی|Hakimi,Hakeemi|Ҳакимӣ
	نوری|Noori,Nuri|Нурӣ
	صدیقی|Siddiqui,Sediqi,Sadiqi|Сиддиқӣ
	هاشمی|Hashimi,Hashemi|Ҳошимӣ
	عثمانی|Usmani,Osmani|Усмонӣ
	ستانکزی|Stanikzai,Stanekzai|
	وردک|Wardak,Wardag|
	حقانی|Haqqani,Haqani|Ҳаққонӣ
	نورزی|Noorzai,Nurzai|
	اچکزی|Achakzai,Achekzai|
	مومند|Mohmand,Momand|
	امیری|Amiri,Ameeri|Амирӣ
	ناصری|Naseri,Nasiri|Носирӣ
	جلالی|Jalali|Ҷалолӣ
	قریشی|Qureshi,Quraishi|Қурайшӣ`)

var afGivenLike = afPairs(`نجیب:نسیب|Nasib,Naseeb|Насиб
	رشید:رشاد|Rashad|Рашод
	فرید:فواد|Fawad,Fuad|Фаввод
	جاوید:جواد|Jawad,Javad|Ҷавод
	نصیر:نسیم|Nasim,Naseem|Насим
	عزیز:عظیم|Azim,Azeem|Азим
	ظاهر:ذاکر|Zakir,Zaker|Зокир
	خالد:خلیل|Khalil,Khaleel|Халил
	محمود:محمد|Mohammad,Muhammad|Муҳаммад
	وحید:ولید|Walid,Waleed|Валид
	یوسف:یونس|Younus,Yunus|Юнус
	حمید:حمیدالله|Hamidullah,Hamidulla|Ҳамидулло
	احمد:احسان|Ehsan,Ahsan|Эҳсон
	قادر:قدیر|Qadeer,Qadir|Қадир`)

var afSurnameLike = afPairs(`رحیمی:رحمانی|Rahmani,Rahmany|Раҳмонӣ
	احمدزی:احمدی|Ahmadi,Ahmady|Аҳмадӣ
	حکیمی:حلیمی|Halimi,Haleemi|Ҳалимӣ
	نوری:نورزی|Noorzai,Nurzai|
	کریمی:کریمزاده|Karimzada,Karimzadeh|Каримзода
	عثمانی:عمرانی|Omrani,Umrani|Умронӣ
	امیری:عمری|Omari,Umari|Умарӣ
	ناصری:نصرتی|Nusrati,Nosrati|Нусратӣ
	جلالی:جمالی|Jamali|Ҷамолӣ
	پوپلزی:بارکزی|Barakzai,Barakzay|
	هاشمی:هاشمزاده|Hashimzada,Hashemzadeh|Ҳошимзода
	صدیقی:صادقی|Sadeqi,Sadiqi|Содиқӣ`)

func pairs(s string) map[string][]string {
	m := map[string][]string{}
	for _, f := range fields(s) {
		a, b, _ := strings.Cut(f, ":")
		m[a] = append(m[a], b)
	}
	return m
}

func tmNames(s string) []tmName {
	var out []tmName
	for _, f := range fields(s) {
		a, b, _ := strings.Cut(f, ":")
		out = append(out, tmName{a, b})
	}
	return out
}

func tmPairs(s string) map[string]tmName {
	m := map[string]tmName{}
	for _, f := range fields(s) {
		p := strings.Split(f, ":")
		m[p[0]] = tmName{p[1], p[2]}
	}
	return m
}

func afNames(s string) []afName {
	var out []afName
	for _, line := range strings.Split(s, "\n") {
		p := strings.Split(strings.TrimSpace(line), "|")
		out = append(out, afName{ar: p[0], latin: strings.Split(p[1], ","), tj: p[2]})
	}
	return out
}

// afPairs reads "name:other|spellings|tajik" lines: other is the
// different, similar name and its forms.
func afPairs(s string) map[string]afName {
	m := map[string]afName{}
	for _, line := range strings.Split(s, "\n") {
		p := strings.Split(strings.TrimSpace(line), "|")
		a, b, _ := strings.Cut(p[0], ":")
		m[a] = afName{ar: b, latin: strings.Split(p[1], ","), tj: p[2]}
	}
	return m
}
