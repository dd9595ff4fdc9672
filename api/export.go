package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/export"
	"github.com/outdial/outdial/internal/fault"
)

func registerExports(r *routes, e *export.Exporter) {
	const tag = "Exports"
	const what = "one row per contact (its fields, final status, attempt count, last outcomes) and every attempt with its evidence: " +
		"xlsx has a sheet of each, csv gives one (sheet=contacts or attempts); cells a spreadsheet would run are quoted"
	q := []string{"format", "sheet"}
	r.handle(http.MethodGet, "/campaigns/:id/export", op{summary: "Export a campaign's results: " + what, tag: tag, query: q, produces: "text/csv"},
		exportOf(e, func(id uint64) export.Scope { return export.Scope{CampaignID: id} }, "campaign"))
	r.handle(http.MethodGet, "/lists/:id/export", op{summary: "Export a list's results: " + what, tag: tag, query: q, produces: "text/csv"},
		exportOf(e, func(id uint64) export.Scope { return export.Scope{ListID: id} }, "list"))
}

// exportOf streams the export of the scope the path's ID names.
func exportOf(e *export.Exporter, scope func(uint64) export.Scope, kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		format, sheetName := c.DefaultQuery("format", "csv"), c.Query("sheet")
		var f fault.Fields
		switch {
		case format != "csv" && format != "xlsx":
			f.Add("format", "must be csv or xlsx, not %q", format)
		case format == "xlsx" && sheetName != "":
			f.Add("sheet", "applies to csv only: an xlsx export has both sheets")
		}
		if len(f) > 0 {
			fail(c, f.Err("query"))
			return
		}
		s := scope(id)
		if format == "xlsx" {
			sheets, err := e.Both(c.Request.Context(), s)
			if err == nil {
				err = writeXLSX(c, fmt.Sprintf("%s-%d.xlsx", kind, id), sheets...)
			}
			if err != nil {
				fail(c, err)
			}
			return
		}
		sheet, err := e.Sheet(c.Request.Context(), s, sheetName)
		if err != nil {
			fail(c, err)
			return
		}
		writeCSV(c, fmt.Sprintf("%s-%d-%s.csv", kind, id, sheet.Name), sheet)
	}
}
