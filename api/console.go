package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The web console: plain HTML, CSS and JavaScript, embedded so nothing is
// built at run time. Its pages are open; everything they show comes from
// the API with the key the user signs in with, kept in the tab's session
// storage only.
//
//go:embed console
var consoleFS embed.FS

// consoleFiles is the route of the console's files.
const consoleFiles = "/console/*file"

func registerConsole(engine *gin.Engine) {
	files, err := fs.Sub(consoleFS, "console")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	static := http.StripPrefix("/console/", http.FileServer(http.FS(files)))
	engine.GET(consoleFiles, func(c *gin.Context) { static.ServeHTTP(c.Writer, c.Request) })
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic(err)
	}
	engine.GET("/", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", index) })
}
