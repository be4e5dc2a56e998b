package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// UTM is a position in the Universal Transverse Mercator system on WGS 84.
type UTM struct {
	Zone      int
	North     bool
	EastingM  float64
	NorthingM float64
}

// WGS 84 and UTM constants (NIMA TR8350.2; DMA TM 8358.2).
const (
	wgs84A    = 6378137.0
	wgs84F    = 1 / 298.257223563
	utmK0     = 0.9996
	utmFalseE = 500000.0
	utmFalseN = 10000000.0
)

// ToUTM projects p (lon, lat in degrees) to UTM with the zone rules of
// MGRS (the Norway and Svalbard exceptions included). Latitudes outside
// [-80, 84], where UTM does not apply (UPS does), are an error.
//
// The projection is the transverse Mercator by Krüger's series to the
// sixth order in n, as given by C. F. F. Karney, "Transverse Mercator with
// an accuracy of a few nanometers", J. Geodesy 85 (2011) 475–485, eqs.
// (7)–(11) and (35): accurate to well under a millimetre within a zone.
func ToUTM(p orb.Point) (UTM, error) {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || lat < -80 || lat > 84 || lon < -180 || lon > 180 {
		return UTM{}, fmt.Errorf("lon %g, lat %g: outside the UTM zones (latitude -80 to 84)", lon, lat)
	}
	zone := utmZone(lon, lat)
	lon0 := float64(zone-1)*6 - 180 + 3
	x, y := transverseMercator(lon-lon0, lat)
	u := UTM{Zone: zone, North: lat >= 0, EastingM: utmFalseE + utmK0*x, NorthingM: utmK0 * y}
	if !u.North {
		u.NorthingM += utmFalseN
	}
	return u, nil
}

// utmZone is the zone of a point: 6° wide from 180° W, but 32 is widened
// over south-western Norway (56°–64° N) and zones 31–37 are redrawn over
// Svalbard (72°–84° N).
func utmZone(lon, lat float64) int {
	zone := int(math.Floor((lon+180)/6)) + 1
	if zone > 60 {
		zone = 60
	}
	switch {
	case lat >= 56 && lat < 64 && lon >= 3 && lon < 12:
		zone = 32
	case lat >= 72 && lon >= 0 && lon < 42:
		switch {
		case lon < 9:
			zone = 31
		case lon < 21:
			zone = 33
		case lon < 33:
			zone = 35
		default:
			zone = 37
		}
	}
	return zone
}

// transverseMercator returns the unscaled transverse Mercator x, y in
// metres of a point dlon degrees from the central meridian (Karney 2011).
func transverseMercator(dlon, lat float64) (x, y float64) {
	n := wgs84F / (2 - wgs84F)
	e := math.Sqrt(wgs84F * (2 - wgs84F))
	n2, n3 := n*n, n*n*n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	// A: the radius of the rectifying sphere, eq. (14).
	a := wgs84A / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	// alpha: eq. (35).
	alpha := [6]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	phi, lam := lat*math.Pi/180, dlon*math.Pi/180
	// Conformal latitude, eqs. (7)–(9).
	tau := math.Tan(phi)
	sigma := math.Sinh(e * math.Atanh(e*tau/math.Sqrt(1+tau*tau)))
	tauP := tau*math.Sqrt(1+sigma*sigma) - sigma*math.Sqrt(1+tau*tau)
	xiP := math.Atan2(tauP, math.Cos(lam))
	etaP := math.Asinh(math.Sin(lam) / math.Sqrt(tauP*tauP+math.Cos(lam)*math.Cos(lam)))
	xi, eta := xiP, etaP
	for j := 1; j <= 6; j++ {
		xi += alpha[j-1] * math.Sin(2*float64(j)*xiP) * math.Cosh(2*float64(j)*etaP)
		eta += alpha[j-1] * math.Cos(2*float64(j)*xiP) * math.Sinh(2*float64(j)*etaP)
	}
	return a * eta, a * xi
}

// mgrsBands are the latitude bands from 80° S, 8° each; X spans 72°–84° N.
const mgrsBands = "CDEFGHJKLMNPQRSTUVWX"

// mgrsColumns are the 100 km column letters of zones 1, 2, 3 (mod 3), and
// mgrsRows the row letters, repeating every 2,000 km (the AA scheme of
// WGS 84, DMA TM 8358.1 §3-2).
var mgrsColumns = [3]string{"STUVWXYZ", "ABCDEFGH", "JKLMNPQR"}

const mgrsRows = "ABCDEFGHJKLMNPQRSTUV"

// MGRS writes p as a Military Grid Reference System reference with
// 1 m resolution: grid zone designation, 100 km square and five digits
// each of easting and northing, as "42SVF 12345 67890". Digits are
// truncated, not rounded, as the standard asks: the reference names the
// square metre the point lies in.
func MGRS(p orb.Point) (string, error) {
	u, err := ToUTM(p)
	if err != nil {
		return "", err
	}
	band := mgrsBands[min(int(math.Floor((p[1]+80)/8)), len(mgrsBands)-1)]
	e := int(math.Floor(u.EastingM))
	n := int(math.Floor(u.NorthingM))
	col := e / 100000
	if col < 1 || col > 8 {
		return "", fmt.Errorf("lon %g, lat %g: easting %d m is outside zone %d", p[0], p[1], e, u.Zone)
	}
	row := (n / 100000) % 20
	if u.Zone%2 == 0 {
		row = (row + 5) % 20
	}
	return fmt.Sprintf("%02d%c%c%c %05d %05d", u.Zone, band, mgrsColumns[u.Zone%3][col-1], mgrsRows[row], e%100000, n%100000), nil
}

// DMS writes p in degrees, minutes and seconds to a tenth of a second
// (about 3 m), latitude first: 37°11′40.6″N 68°36′19.1″E.
func DMS(p orb.Point) string {
	return dmsOf(p[1], "N", "S") + " " + dmsOf(p[0], "E", "W")
}

func dmsOf(v float64, pos, neg string) string {
	h := pos
	if v < 0 {
		h, v = neg, -v
	}
	tenths := int64(math.Round(v * 36000))
	d := tenths / 36000
	m := tenths % 36000 / 600
	s := float64(tenths%600) / 10
	return fmt.Sprintf("%d°%02d′%04.1f″%s", d, m, s, h)
}

// DecimalDegrees writes p as latitude, longitude in decimal degrees to
// five places (about a metre), the form GPS units and phones accept.
func DecimalDegrees(p orb.Point) string {
	return fmt.Sprintf("%.5f, %.5f", p[1], p[0])
}
