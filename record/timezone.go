package record

// timeZones are the IANA time zones of the countries Borderwatch serves;
// none of them observes daylight saving time today.
var timeZones = map[string]string{
	"AFG": "Asia/Kabul", "KGZ": "Asia/Bishkek", "TJK": "Asia/Dushanbe", "TKM": "Asia/Ashgabat",
	"UZB": "Asia/Tashkent",
}

// TimeZone returns the IANA time zone of country iso3, for the local
// times of its teams' shifts, or "UTC" for a country it does not know.
func TimeZone(iso3 string) string {
	if z, ok := timeZones[iso3]; ok {
		return z
	}
	return "UTC"
}
