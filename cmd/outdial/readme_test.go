package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeConfiguration holds README's configuration table to every flag
// the commands define and every variable they and `make run` read, so that
// a new setting cannot go undocumented.
func TestReadmeConfiguration(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	section := string(readme)
	start := strings.Index(section, "\n## Configuration\n")
	require.GreaterOrEqual(t, start, 0, "README has a Configuration section")
	section = section[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}

	flagName := regexp.MustCompile(`fs\.\w+\(\s*(?:&[\w.]+,\s*)?"([a-z][a-z-]*)"`)
	variable := regexp.MustCompile(`OUTDIAL_[A-Z_]+[A-Z]`)
	for _, file := range []string{"config.go", "dev.go", "importcmd.go", "../../scripts/run.sh"} {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range flagName.FindAllStringSubmatch(string(src), -1) {
			require.True(t, strings.Contains(section, "`--"+m[1]), "flag --%s of %s is missing from README's configuration table", m[1], file)
		}
		for _, v := range variable.FindAllString(string(src), -1) {
			require.True(t, strings.Contains(section, "`"+v), "%s, read in %s, is missing from README's configuration table", v, file)
		}
	}
}
