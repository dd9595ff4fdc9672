// Command checkimports fails when a package of Outdial imports what its
// layer may not: dependencies point one way (README, "Layout"). make test
// runs it, so a change that breaks a rule fails CI.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

const module = "github.com/outdial/outdial/"

// layers names each package's layer; a package not listed is a tool
// (cmd, scripts, test support) and may import anything.
var layers = map[string]string{
	"strategy": "rule", "window": "rule", "pacing": "rule", "phone": "rule",
	"internal/fault": "contract", "internal/contract": "contract",
	// Metrics and log attributes: every layer that does work reports them.
	"internal/observe": "contract",
	"models":           "models",
	"dialer":           "adapter",
	"internal/agent":   "domain", "internal/campaign": "domain", "internal/contact": "domain",
	"internal/listimport": "domain", "internal/configuration": "domain", "internal/apikey": "domain",
	"internal/export":   "domain",
	"internal/stats":    "domain",
	"internal/services": "services",
	"activities":        "activities",
	"workflows":         "workflows",
	"worker":            "worker",
	"api":               "api",
	// The compliance suite's oracle checks the code it must not share.
	"internal/compliance/oracle": "oracle",
}

// may lists the layers each layer may import, besides its own.
var may = map[string][]string{
	"rule":       {},
	"oracle":     {},
	"contract":   {"rule"},
	"models":     {"contract", "rule"},
	"adapter":    {},
	"domain":     {"models", "contract", "rule", "adapter"},
	"services":   {"domain", "models", "contract", "adapter"},
	"activities": {"domain", "contract", "rule"},
	"workflows":  {"activities", "contract", "rule"},
	"worker":     {"workflows", "activities", "services", "contract"},
	"api":        {"domain", "services", "models", "contract", "rule"},
}

// never are outside packages a layer may not import, by path prefix.
var never = map[string][]string{
	"rule":       {"gorm.io/", "github.com/jackc/pgx", "go.temporal.io/"},
	"oracle":     {"gorm.io/", "github.com/jackc/pgx", "go.temporal.io/"},
	"workflows":  {"gorm.io/", "github.com/jackc/pgx"},
	"activities": {"gorm.io/", "github.com/jackc/pgx"},
	"api":        {"gorm.io/", "github.com/jackc/pgx", "go.temporal.io/"},
}

func main() {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "checkimports: go list: %v\n", err)
		os.Exit(2)
	}
	var broken []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(fields[0], module)
		layer, ok := layers[pkg]
		if !ok {
			continue
		}
		for _, imp := range fields[1:] {
			if rel, ours := strings.CutPrefix(imp, module); ours {
				to, known := layers[rel]
				if !known || (to != layer && !slices.Contains(may[layer], to)) {
					broken = append(broken, fmt.Sprintf("%s (%s) imports %s (%s)", pkg, layer, rel, orTool(to)))
				}
				continue
			}
			for _, prefix := range never[layer] {
				if strings.HasPrefix(imp, prefix) {
					broken = append(broken, fmt.Sprintf("%s (%s) imports %s", pkg, layer, imp))
				}
			}
		}
	}
	if len(broken) > 0 {
		fmt.Println("dependencies that point the wrong way:")
		for _, b := range broken {
			fmt.Println("  " + b)
		}
		os.Exit(1)
	}
	fmt.Println("checkimports: every dependency points one way")
}

func orTool(layer string) string {
	if layer == "" {
		return "a tool"
	}
	return layer
}
