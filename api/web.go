package api

import (
	"net/http"

	"github.com/borderwatch/borderwatch/web"
)

// webHandler serves the embedded web client: index.html at the landing page
// for browsers, and its hashed assets under web.AssetPrefix.
func webHandler() http.Handler {
	return web.Handler()
}
