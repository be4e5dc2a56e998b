// Package web embeds the built web client (web/dist, built from web/src by
// scripts/build-web.sh and committed) and serves it, so that the Go build
// never needs npm. It imports nothing from this module.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// AssetPrefix is the URL path under which the client's assets are served.
// Their file names carry a content hash, so they may be cached for good.
const AssetPrefix = "/app/"

// contentSecurityPolicy keeps scripts, styles, fonts and workers on the
// service itself. Images and connections may also go to an https tile
// server, which the user can configure (off by default).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; " +
	"style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data: blob: https:; " +
	"connect-src 'self' https:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"

// Handler serves the web client: the assets under AssetPrefix with
// long-lived caching, and index.html (revalidated on every load by its
// ETag) for any other path, so that the single-page app can be opened at
// any address the router sends here.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// dist is embedded at build time; a missing directory fails the
		// build, so this cannot happen at run time.
		return http.NotFoundHandler()
	}
	index, _ := fs.ReadFile(sub, "index.html")
	sum := sha256.Sum256(index)
	indexETag := `"` + hex.EncodeToString(sum[:8]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if rest, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
			serveAsset(w, r, sub, rest)
			return
		}
		if index == nil {
			http.Error(w, "web client not built: run scripts/build-web.sh", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept")
		h.Set("ETag", indexETag)
		h.Set("Content-Type", "text/html; charset=utf-8")
		if r.Header.Get("If-None-Match") == indexETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(index)
	})
}

// contentTypes covers the asset types of the build; Go's table lacks .mjs
// and .woff2 on some systems.
var contentTypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".woff2": "font/woff2",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".txt":   "text/plain; charset=utf-8",
}

func serveAsset(w http.ResponseWriter, r *http.Request, files fs.FS, name string) {
	name = path.Clean("/" + name)[1:]
	if name == "" || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	f, err := files.Open(path.Join("app", name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	rs, ok := f.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	})
	if !ok {
		http.NotFound(w, r)
		return
	}
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		w.Header().Set("Content-Type", ct)
	}
	if path.Ext(name) == ".txt" {
		w.Header().Set("Cache-Control", "no-cache")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeContent(w, r, name, time.Time{}, rs)
}
