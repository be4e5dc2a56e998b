package record

// plausibleMax is the largest quantity of each drug one seizure plausibly
// holds, in kilograms (litres for liquids, taken as about a kilogram each).
// A larger quantity is not refused, but must be confirmed
// (Item.ConfirmedImplausible): it is far more often a typing or unit error
// (grams entered as kilograms, an extra zero) than a real record. The
// bounds sit at or above the largest single seizures reported anywhere:
//
//   - heroin and morphine: 3,000 kg — the largest heroin seizure reported,
//     about 2,990 kg at Mundra port (India, September 2021), came from
//     Afghanistan; morphine base moves in smaller loads than heroin.
//   - opium: 30,000 kg — ten times the heroin bound, the ratio at which
//     opium is converted into heroin (UNODC uses about 7 to 10 kg of opium
//     per kg of heroin), for a load of the same value.
//   - hashish and cannabis: 250,000 kg — above the 236 t of hashish seized
//     near Kandahar in June 2008, the largest drug seizure UNODC reports.
//   - methamphetamine: 20,000 kg — above the multi-tonne seizures of
//     South-East Asia and Afghanistan's ephedra-based production.
//   - precursors and other: 100,000 — acetic anhydride travels by the
//     tanker (tens of tonnes).
//
// The 65 reported seizures of the reference data stay far below these
// (the largest is 568 kg of heroin), as does the synthetic demo history.
var plausibleMax = map[string]float64{
	"heroin": 3000, "morphine": 3000, "opium": 30000, "hashish": 250000, "cannabis": 250000,
	"methamphetamine": 20000, "precursors": 100000, "other": 100000,
}

// PlausibleMax returns the largest plausible quantity of drug in one
// seizure (see plausibleMax), or 0 for an unknown drug.
func PlausibleMax(drug string) float64 { return plausibleMax[drug] }

// Implausible reports whether the item's quantity lies above PlausibleMax
// of its drug.
func (it Item) Implausible() bool {
	m, ok := plausibleMax[it.Drug]
	return ok && it.Quantity > m
}
