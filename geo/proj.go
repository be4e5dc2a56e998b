package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// LAEAProj4 is the PROJ definition of the equal-area projection in which
// every distance, cell and density of the hotspot engine is computed. PostGIS
// reproduces it with ST_Transform(geom, LAEAProj4). docs/statistics.md,
// "Projection".
const LAEAProj4 = "+proj=laea +lat_0=38 +lon_0=68 +datum=WGS84 +units=m"

// LAEA projection parameters: the WGS84 ellipsoid and the centre of the
// projection.
const (
	// WGS84SemiMajorM is the WGS84 semi-major axis a in metres.
	WGS84SemiMajorM = 6378137.0
	// WGS84InvFlattening is the WGS84 inverse flattening 1/f.
	WGS84InvFlattening = 298.257223563
	// LAEALat0Deg is the latitude of the projection centre in degrees.
	LAEALat0Deg = 38.0
	// LAEALon0Deg is the longitude of the projection centre in degrees.
	LAEALon0Deg = 68.0
)

// laea holds the constants of the oblique ellipsoidal Lambert azimuthal
// equal-area projection, Snyder (1987) USGS PP 1395 pp. 187–190, equations
// (3-12), (14-15), (24-2)…(24-20). Everything is computed on the unit
// ellipsoid and scaled by a at the end, as PROJ does.
type laea struct {
	e, es, oneES float64
	qp           float64 // q at the pole, eq. (3-12) with φ = 90°
	rq           float64 // authalic radius / a, eq. (3-13)
	sinB1, cosB1 float64 // authalic latitude β1 of the centre, eq. (3-11)
	d            float64 // D, eq. (24-20)
	xmf, ymf     float64 // Rq·D and Rq/D
	apa          [3]float64
	lon0Rad      float64
}

// proj holds the constants of LAEAProj4. It is computed once from constants
// and never modified.
var proj = newLAEA(LAEALat0Deg, LAEALon0Deg)

func newLAEA(lat0Deg, lon0Deg float64) laea {
	f := 1 / WGS84InvFlattening
	var p laea
	p.es = f * (2 - f)
	p.e = math.Sqrt(p.es)
	p.oneES = 1 - p.es
	p.qp = qsfn(1, p.e, p.oneES)
	p.rq = math.Sqrt(0.5 * p.qp)
	phi0 := lat0Deg * math.Pi / 180
	sinPhi0 := math.Sin(phi0)
	p.sinB1 = qsfn(sinPhi0, p.e, p.oneES) / p.qp
	p.cosB1 = math.Sqrt(1 - p.sinB1*p.sinB1)
	p.d = math.Cos(phi0) / (math.Sqrt(1-p.es*sinPhi0*sinPhi0) * p.rq * p.cosB1)
	p.xmf = p.rq * p.d
	p.ymf = p.rq / p.d
	// Series coefficients of the latitude from the authalic latitude,
	// Snyder eq. (3-18).
	es2 := p.es * p.es
	es3 := es2 * p.es
	p.apa[0] = p.es/3 + es2*31/180 + es3*517/5040
	p.apa[1] = es2*23/360 + es3*251/3780
	p.apa[2] = es3 * 761 / 45360
	p.lon0Rad = lon0Deg * math.Pi / 180
	return p
}

// qsfn is Snyder's q (eq. 3-12) on the unit ellipsoid:
// q = (1−e²)·[ sinφ/(1−e² sin²φ) − 1/(2e)·ln((1−e sinφ)/(1+e sinφ)) ].
func qsfn(sinPhi, e, oneES float64) float64 {
	con := e * sinPhi
	return oneES * (sinPhi/(1-con*con) - (0.5/e)*math.Log((1-con)/(1+con)))
}

// Project maps a WGS84 {lon, lat} point in degrees to LAEA metres {x, y}
// (LAEAProj4). It is the ellipsoidal forward projection of Snyder (1987),
// USGS PP 1395 pp. 187–188, eqs. (24-16)…(24-20) with the authalic latitude
// β = asin(q/qp) of eqs. (3-11), (3-12):
//
//	B = Rq·sqrt(2 / (1 + sinβ1 sinβ + cosβ1 cosβ cos(λ−λ0)))
//	x = B·D·cosβ·sin(λ−λ0)
//	y = (B/D)·(cosβ1 sinβ − sinβ1 cosβ cos(λ−λ0))
func Project(p orb.Point) orb.Point {
	x, y := ProjectXY(p[0], p[1])
	return orb.Point{x, y}
}

// ProjectXY is Project on bare coordinates: degrees in, metres out.
func ProjectXY(lonDeg, latDeg float64) (xM, yM float64) {
	lam := lonDeg*math.Pi/180 - proj.lon0Rad
	sinLam, cosLam := math.Sincos(lam)
	sinPhi := math.Sin(latDeg * math.Pi / 180)
	sinB := qsfn(sinPhi, proj.e, proj.oneES) / proj.qp
	cosB := math.Sqrt(1 - sinB*sinB)
	b := math.Sqrt(2 / (1 + proj.sinB1*sinB + proj.cosB1*cosB*cosLam))
	xM = WGS84SemiMajorM * proj.xmf * b * cosB * sinLam
	yM = WGS84SemiMajorM * proj.ymf * b * (proj.cosB1*sinB - proj.sinB1*cosB*cosLam)
	return xM, yM
}

// Unproject maps LAEA metres {x, y} back to WGS84 {lon, lat} in degrees.
// It is the inverse of Snyder (1987), USGS PP 1395 pp. 188–190, eqs.
// (24-28), (24-29), (3-18), (24-26):
//
//	ρ  = sqrt((x/D)² + (D·y)²)
//	Ce = 2·asin(ρ / (2·Rq))
//	β  = asin(cos Ce·sinβ1 + D·y·sin Ce·cosβ1/ρ)
//	φ  = β + (e²/3 + 31e⁴/180 + 517e⁶/5040)·sin 2β
//	       + (23e⁴/360 + 251e⁶/3780)·sin 4β + (761e⁶/45360)·sin 6β
//	λ  = λ0 + atan2(x·sin Ce, D·ρ·cosβ1·cos Ce − D²·y·sinβ1·sin Ce)
//
// The latitude series is the one PROJ uses, so the result agrees with
// PostGIS's inverse transform.
func Unproject(p orb.Point) orb.Point {
	lon, lat := UnprojectXY(p[0], p[1])
	return orb.Point{lon, lat}
}

// UnprojectXY is Unproject on bare coordinates: metres in, degrees out.
func UnprojectXY(xM, yM float64) (lonDeg, latDeg float64) {
	x := xM / WGS84SemiMajorM / proj.d
	y := yM / WGS84SemiMajorM * proj.d
	rho := math.Hypot(x, y)
	if rho < 1e-10 {
		return LAEALon0Deg, LAEALat0Deg
	}
	ce := 2 * math.Asin(math.Min(1, 0.5*rho/proj.rq))
	sCe, cCe := math.Sincos(ce)
	ab := cCe*proj.sinB1 + y*sCe*proj.cosB1/rho
	lam := math.Atan2(x*sCe, rho*proj.cosB1*cCe-y*proj.sinB1*sCe)
	beta := math.Asin(math.Max(-1, math.Min(1, ab)))
	phi := beta + proj.apa[0]*math.Sin(2*beta) + proj.apa[1]*math.Sin(4*beta) + proj.apa[2]*math.Sin(6*beta)
	lonDeg = (lam + proj.lon0Rad) * 180 / math.Pi
	if lonDeg > 180 {
		lonDeg -= 360
	} else if lonDeg < -180 {
		lonDeg += 360
	}
	return lonDeg, phi * 180 / math.Pi
}

// ProjectRing projects every vertex of r (lon/lat degrees) to LAEA metres.
func ProjectRing(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = Project(p)
	}
	return out
}

// ProjectPolygon projects every vertex of pg (lon/lat degrees) to LAEA
// metres. Edges stay straight in the projected plane, as with PostGIS
// ST_Transform.
func ProjectPolygon(pg orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(pg))
	for i, r := range pg {
		out[i] = ProjectRing(r)
	}
	return out
}

// ProjectMultiPolygon projects every vertex of mp (lon/lat degrees) to LAEA
// metres.
func ProjectMultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, pg := range mp {
		out[i] = ProjectPolygon(pg)
	}
	return out
}

// ProjectLineString projects every vertex of ls (lon/lat degrees) to LAEA
// metres.
func ProjectLineString(ls orb.LineString) orb.LineString {
	out := make(orb.LineString, len(ls))
	for i, p := range ls {
		out[i] = Project(p)
	}
	return out
}
