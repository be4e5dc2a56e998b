package api

import (
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzip"
)

// compressedTypes are the media types answered gzip-compressed (or
// deflate) when the client accepts it: JSON, GeoJSON, the web client's
// scripts, styles and page, exports and vector tiles. The live stream
// (text/event-stream) is left as it is, so each entry reaches the client
// when it is written; fonts and images are compressed already.
var compressedTypes = []string{
	"application/json", "application/geo+json", "application/problem+json", "application/schema+json",
	"application/vnd.oai.openapi+json", "application/gpx+xml", "application/vnd.google-earth.kml+xml",
	"application/vnd.mapbox-vector-tile", "application/x-ndjson",
	"text/html", "text/css", "text/javascript", "text/plain", "text/csv", "image/svg+xml",
}

// Compression levels. The web client's files are fetched once and then
// revalidated, so they get level 5, most of gzip's gain (the client's
// script shrinks to about a quarter) at a fraction of level 9's cost.
// Every other answer is computed per request (pages of features, tiles,
// analyses), where compression was the largest single CPU cost of a
// feature read served from the live index: they get level 1, as nginx
// compresses by default, about half level 5's time for a page of
// features about a tenth larger.
const (
	compressLevel     = 5
	compressLevelFast = 1
)

// gzipWriter is the gzip encoder of responses: klauspost/compress's,
// whose output any gzip reader reads and which spends about a third of
// the standard library's CPU on a page of features at the same level
// (BenchmarkGzipFeaturePage), the largest single cost of a feature read
// served from the live index.
func gzipWriter(w io.Writer, level int) io.Writer {
	gw, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return nil
	}
	return gw
}

// compress encodes responses of compressedTypes for clients that accept
// gzip or deflate: the web client's files at compressLevel, everything
// else at compressLevelFast. Range requests are answered uncompressed,
// since the ranges name bytes of the uncompressed body.
func compress() func(http.Handler) http.Handler {
	files := middleware.NewCompressor(compressLevel, compressedTypes...)
	files.SetEncoder("gzip", gzipWriter)
	answers := middleware.NewCompressor(compressLevelFast, compressedTypes...)
	answers.SetEncoder("gzip", gzipWriter)
	return func(next http.Handler) http.Handler {
		compressedFile, compressedAnswer := files.Handler(next), answers.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Header.Get("Range") != "":
				next.ServeHTTP(w, r)
			case webClientFile(r.URL.Path):
				compressedFile.ServeHTTP(w, r)
			default:
				compressedAnswer.ServeHTTP(w, r)
			}
		})
	}
}

// webClientFile reports whether path names one of the web client's files
// (its page and what /app/ serves), as routes.go routes them.
func webClientFile(path string) bool {
	return path == "/" || strings.HasPrefix(path, "/app/")
}
