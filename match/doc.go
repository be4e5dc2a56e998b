// Package match decides whether two persons' names, two vehicle plates or
// two identity-document numbers, as the region writes them, refer to the
// same person, vehicle or document: each comparison gives a score in
// [0,1], and PersonThreshold, PlateThreshold and DocumentThreshold say
// where "the same" begins. It also gives the canonical keys a trigram
// index retrieves candidates by, and ToLatin and ToCyrillic for showing a
// name beside its spelling in the interface's script.
//
// match performs no I/O, never logs, and imports nothing from this module.
//
// # Names
//
// A name is read in five steps.
//
//  1. Unicode: NFKC, then full case folding (golang.org/x/text), so
//     full-width forms, ligatures and Arabic presentation forms become
//     plain letters and case no longer counts.
//  2. Romanisation to base Latin, one table per script. Cyrillic: BGN/PCGN
//     for Russian (1947) and Tajik (1994), with Tajik and Uzbek letters in
//     their own values (ғ gh, қ q, ҳ h, ҷ j, ӣ i, ӯ u, ў oʻ), as the Uzbek
//     Latin alphabet of 1995 writes them; Kyrgyz ң ө ү. Latin with
//     diacritics: Turkmen (1993: ç ş ž ň ý ä ö ü) and ISO 9:1995 (č š ŝ ž ë
//     è û â; ġ ķ ḩ ī ū for ғ қ ҳ ӣ ӯ), every other accent to its base
//     letter. Uzbek oʻ and gʻ are read whatever apostrophe is typed (ʻ ʼ '
//     ` ’ ‘: the 1995 alphabet, its 2019/2021 revisions of oʻ gʻ and what
//     keyboards give). Dari and Pashto in Arabic script by the common Dari
//     romanisation (BGN/PCGN 1958 as Afghan passports and UN lists use it:
//     ث s, ذ z, ص s, ض z, ط t, ظ z, ع silent; ا a; و v at the start of a
//     word or after ا, else u; ی y at the start, else i; a final ه a), the
//     article ال inside a compound dropped (عبدالرحمن, نظام‌الدین). Any other
//     script falls back to go-unidecode.
//  3. Words: split on spaces and punctuation; hyphens and the zero-width
//     non-joiner join; Abd/Abdul and the particles ud-, ad-, al-, ur- join
//     the next word (Abdul Rahman = Abdurahmon); oʻgʻli, qizi, uulu, ibn
//     mark the patronymic, as do -ovich/-evna endings; one letter is an
//     initial.
//  4. Phonetic classes (see phonetic): the romanisations' spellings of one
//     sound meet (kh x h; q k; gh g; zh j dzh dj ж ҷ; ch; sh; o with a, e
//     and y with i, oʻ with u), doubled letters collapse, the Russian -ov
//     -ev -ova and the Tajik/Persian -zoda/-zade and -i endings are split
//     off as a suffix class. This is why "Абдуллоев", "Abdulloev" and
//     "Abdullaev", or "Қодиров", "Kodirov", "Qodirov" and "Kadyrov", have one
//     key.
//  5. Scoring (nameScore): the words of two names are paired in any order,
//     each pair scored by a class-weighted edit distance (distance): vowels,
//     voiced/voiceless pairs and h cost half, a different surname suffix a
//     quarter of the pair's score. A word in Arabic script, which writes no
//     short vowels, is compared with those vowels free to insert. Missing
//     patronymics cost nothing, disagreeing ones 40%.
//
// ComparePersons adds birth year or date, nationality and documents.
//
// # Libraries
//
// golang.org/x/text does the Unicode work (NFKC, case folding). go-unidecode
// (a port of Text::Unidecode) romanises the scripts the tables here do not
// cover; it is not used for Cyrillic or Arabic script because its values
// are one fixed romanisation (Russian х as "kh" but Tajik ҳ as "kh" too, ғ
// and қ without their distinction, Arabic letters without the positional
// rules that make و and ی vowels), which would split spellings the region
// treats as one. The similarity is written here, not taken from a
// string-similarity module (go-edlib, agnivade/levenshtein): their
// distances cost every substitution alike, whereas names need a vowel or a
// voiced/voiceless swap to cost less than a different consonant and a
// Dari word's unwritten vowels to cost nothing — thirty lines of
// dynamic programming on short ASCII strings.
// go-edlib's Levenshtein is the benchmarks' baseline.
//
// # Plates and documents
//
// PlateKey and DocumentKey keep letters and digits only, upper case: the
// twelve Cyrillic letters that Russian and Central Asian plates share with
// Latin (А В Е К М Н О Р С Т У Х) read as their Latin twins, Persian (۰–۹)
// and Arabic-Indic (٠–٩) digits as 0–9, separators and № dropped. Equal keys
// score 1; a character that OCR or a hurried reader confuses with another
// of the other kind (O/0, D/0, Q/0, I/1, L/1, Z/2, S/5, G/6, B/8) costs 0.05;
// any other single difference scores 0.6, since one digit is as likely a
// different plate as a slip.
//
// # Keys in PostgreSQL
//
// Matching a record against 100k lookouts or 1M entities is a trigram index
// on the keys (pg_trgm, which ships with PostgreSQL) to retrieve
// candidates, then the scores here on the candidates. Keys are short
// lowercase ASCII words (PersonKey, PersonSkeleton) or one uppercase word
// (PlateKey, DocumentKey); they are stable (a key read as a name gives
// itself). The service computes them on write into plain columns (a
// generated column cannot call Go), and recomputes them if the rules here
// change:
//
//	CREATE EXTENSION IF NOT EXISTS pg_trgm;
//	ALTER TABLE persons ADD COLUMN name_key text, ADD COLUMN name_skel text;
//	CREATE INDEX ON persons USING gin (name_key gin_trgm_ops);
//	CREATE INDEX ON persons USING gin (name_skel gin_trgm_ops);
//	CREATE INDEX ON vehicles USING gin (plate_key gin_trgm_ops);
//
//	-- a person: $1 = PersonKey(name), $2 = PersonSkeleton(name)
//	SET pg_trgm.similarity_threshold = 0.3;       -- per transaction: SET LOCAL
//	SELECT id, names FROM persons
//	 WHERE name_key % $1 OR name_skel % $2
//	 ORDER BY greatest(similarity(name_key, $1), similarity(name_skel, $2)) DESC
//	 LIMIT 200;
//	-- a plate or document: exact key first, then near ones
//	SELECT id, plate FROM vehicles WHERE plate_key = $1
//	UNION
//	SELECT id, plate FROM vehicles WHERE plate_key % $1 LIMIT 50;
//
// and then Name.Score (the record parsed once with ParseName) or
// ComparePersons, PlateScore or DocumentScore on each candidate, keeping
// those at or above the threshold. The skeleton index finds Dari names in
// Arabic script, which have no vowels to share trigrams with. At 0.3
// (pg_trgm's default) the keys of 431 of the 432 same-person pairs of the
// labelled set, and of every same-plate and same-document pair, are similar
// enough to be retrieved (scripts/match-eval.sh -pg measures it). A record
// with a name in several spellings queries each spelling.
//
// # Limits
//
// Measured on testdata/pairs.tsv (scripts/match-eval.sh lists each miss):
// a typo in a short word scores like a different but similar name (Zafar
// and Zagar lose as much as Salim and Salom gain); ISO 9 writes ҷ as ç,
// which reads here as the Turkmen ch; a Latin spelling cannot tell the two
// Arabic names behind it apart where only a written long vowel does
// (محمود and محمد against "Mohammad").
package match
