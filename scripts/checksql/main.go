// Command checksql fails when Go code builds SQL from strings that are not
// constants: every value must reach PostgreSQL as a parameter (README,
// Security). make test runs it over every non-test Go file.
//
// Two rules, on the syntax tree of the whole module:
//   - the SQL argument of a database call (gorm's Raw, Exec, Where, Order,
//     Joins…; pgx's and database/sql's Query, Exec…) is constant;
//   - nowhere is text that reads as SQL (SELECT, WHERE, ORDER BY…) joined
//     with "+" or fmt.Sprintf to what is not constant.
//
// Constant is a literal or a constant; text joined from constants; a local
// variable only ever given constants; a parameter that every call in the
// module passes a constant; the result of a function of the module whose
// string results are all constant (a fragment of SQL such as a shared
// condition). A reviewed exception (an identifier from a fixed set, never
// a value) goes in allowed with its reason.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// allowed are the reviewed functions, as "path:function", that build SQL
// from what the check cannot see is constant, and why each is safe.
var allowed = map[string]string{
	"internal/configuration/store.go:List":    "the searched columns are the object's own, written in objects.go; the search text is a parameter",
	"internal/configuration/store.go:Delete":  "each query is one of usedBy's literals in objects.go; the ID is a parameter",
	"models/links.go:Load":                    "a link's table and columns are the package-level links of models",
	"models/links.go:Replace":                 "a link's table and columns are the package-level links of models",
	"internal/testenv/testenv.go:DatabaseURL": "test support: CREATE and DROP DATABASE take identifiers, quoted by %q, made from the test's name",
}

// sqlCalls are the methods whose argument (after a leading context) is SQL.
var sqlCalls = map[string]bool{
	"Raw": true, "Exec": true, "Where": true, "Or": true, "Not": true, "Having": true, "Joins": true, "InnerJoins": true,
	"Order": true, "Group": true, "Select": true, "Table": true, "Distinct": true, "Pluck": true,
	"Query": true, "QueryRow": true, "QueryContext": true, "QueryRowContext": true, "ExecContext": true, "Queue": true,
}

// sqlText is text that reads as SQL.
var sqlText = regexp.MustCompile(`(?i)\b(select\s|insert\s+into|delete\s+from|update\s+\w+\s+set|where\s|order\s+by|group\s+by|join\s|values\s*\()`)

func main() {
	m, err := load(".")
	if err != nil {
		fmt.Fprintf(os.Stderr, "checksql: %v\n", err)
		os.Exit(2)
	}
	found := m.check()
	if len(found) > 0 {
		fmt.Println("SQL built from strings that are not constants (pass values as parameters; README, Security):")
		for _, f := range found {
			fmt.Println("  " + f)
		}
		os.Exit(1)
	}
	fmt.Println("checksql: every SQL statement is constant text with parameters")
}

// fn is a function or method of the module.
type fn struct {
	decl   *ast.FuncDecl
	file   *file
	params []string // names, in order; "" for unnamed
	// strings are the indexes of its string results.
	strings []int
}

type file struct {
	path    string
	pkg     string            // its directory
	imports map[string]string // name → directory of a module package, or "" for another
}

// module is every non-test Go file of the module, parsed.
type module struct {
	fset   *token.FileSet
	files  []*ast.File
	meta   map[*ast.File]*file
	consts map[string]map[string]bool // package → its constants
	funcs  map[string]map[string][]*fn
	byDecl map[*ast.FuncDecl]*fn

	// What is not constant, found so far: the analysis starts from
	// everything constant and refutes until nothing changes.
	param   map[*fn][]bool // param[f][i]: some call passes a non-constant
	returns map[*fn]bool   // some string result is not constant
	changed bool
	// called are functions called by name somewhere; escaped ones are
	// also used as values, so their callers are unknown.
	called, escaped map[*fn]bool
}

func load(root string) (*module, error) {
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	modPath := ""
	for _, line := range strings.Split(string(gomod), "\n") {
		if p, ok := strings.CutPrefix(line, "module "); ok {
			modPath = strings.TrimSpace(p)
		}
	}
	m := &module{fset: token.NewFileSet(), meta: map[*ast.File]*file{}, consts: map[string]map[string]bool{},
		funcs: map[string]map[string][]*fn{}, byDecl: map[*ast.FuncDecl]*fn{}, param: map[*fn][]bool{}, returns: map[*fn]bool{},
		called: map[*fn]bool{}, escaped: map[*fn]bool{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(m.fset, path, nil, 0)
		if err != nil {
			return err
		}
		meta := &file{path: filepath.ToSlash(path), pkg: filepath.ToSlash(filepath.Dir(path)), imports: map[string]string{}}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			dir := ""
			if rel, ok := strings.CutPrefix(p, modPath+"/"); ok {
				dir = rel
			}
			meta.imports[name] = dir
		}
		m.files, m.meta[f] = append(m.files, f), meta
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range m.files {
		meta := m.meta[f]
		if m.consts[meta.pkg] == nil {
			m.consts[meta.pkg], m.funcs[meta.pkg] = map[string]bool{}, map[string][]*fn{}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					for _, name := range s.(*ast.ValueSpec).Names {
						m.consts[meta.pkg][name.Name] = true
					}
				}
			}
			return true
		})
		for _, d := range f.Decls {
			decl, ok := d.(*ast.FuncDecl)
			if !ok || decl.Body == nil {
				continue
			}
			g := &fn{decl: decl, file: meta}
			for _, field := range decl.Type.Params.List {
				if len(field.Names) == 0 {
					g.params = append(g.params, "")
				}
				for _, n := range field.Names {
					g.params = append(g.params, n.Name)
				}
			}
			if decl.Type.Results != nil {
				i := 0
				for _, field := range decl.Type.Results.List {
					for range max(1, len(field.Names)) {
						if id, ok := field.Type.(*ast.Ident); ok && id.Name == "string" {
							g.strings = append(g.strings, i)
						}
						i++
					}
				}
			}
			m.funcs[meta.pkg][decl.Name.Name] = append(m.funcs[meta.pkg][decl.Name.Name], g)
			m.byDecl[decl] = g
			m.param[g] = make([]bool, len(g.params))
		}
	}
	m.findCalls()
	return m, nil
}

// findCalls records which functions are called by name, and which are
// used as values: the parameters of a function with no known caller, or
// one called through a value, are not constant.
func (m *module) findCalls() {
	for _, f := range m.files {
		meta := m.meta[f]
		inCall := map[ast.Expr]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				inCall[unindex(call.Fun)] = true
				for _, g := range m.callee(meta, call) {
					m.called[g] = true
				}
			}
			return true
		})
		var visit func(n ast.Node) bool
		visit = func(n ast.Node) bool {
			var name string
			switch x := n.(type) {
			case *ast.FuncDecl: // its name declares, it does not use
				if x.Body != nil {
					ast.Inspect(x.Body, visit)
				}
				return false
			case *ast.Field: // a field's or an interface method's name too
				ast.Inspect(x.Type, visit)
				return false
			case *ast.KeyValueExpr: // a struct literal's field name
				ast.Inspect(x.Value, visit)
				return false
			case *ast.SelectorExpr:
				name = x.Sel.Name
			case *ast.Ident:
				name = x.Name
			default:
				return true
			}
			if inCall[n.(ast.Expr)] {
				return false
			}
			_, isSel := n.(*ast.SelectorExpr)
			for _, g := range m.funcs[meta.pkg][name] {
				if (g.decl.Recv != nil) == isSel { // a method is named by a selector only
					m.escaped[g] = true
				}
			}
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok {
					for _, g := range m.funcs[meta.imports[pkg.Name]][name] {
						m.escaped[g] = true
					}
				}
			}
			return true
		}
		ast.Inspect(f, visit)
	}
}

// callee are the functions of the module a call may be to.
func (m *module) callee(at *file, call *ast.CallExpr) []*fn {
	switch f := unindex(call.Fun).(type) {
	case *ast.Ident:
		return m.funcs[at.pkg][f.Name]
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			if dir, isImport := at.imports[x.Name]; isImport {
				return m.funcs[dir][f.Sel.Name]
			}
		}
		// A method: this package's methods of the name that take as many
		// arguments.
		var out []*fn
		for _, g := range m.funcs[at.pkg][f.Sel.Name] {
			if g.decl.Recv != nil && (len(g.params) == len(call.Args) || variadic(g.decl)) {
				out = append(out, g)
			}
		}
		return out
	}
	return nil
}

// unindex is a generic function without its type arguments.
func unindex(e ast.Expr) ast.Expr {
	switch x := e.(type) {
	case *ast.IndexExpr:
		return x.X
	case *ast.IndexListExpr:
		return x.X
	}
	return e
}

func variadic(d *ast.FuncDecl) bool {
	l := d.Type.Params.List
	if len(l) == 0 {
		return false
	}
	_, ok := l[len(l)-1].Type.(*ast.Ellipsis)
	return ok
}

// scope is where an expression is judged: a function of a file.
type scope struct {
	m       *module
	file    *file
	fn      *fn // nil at package level
	visited map[string]bool
}

// constant reports whether e is constant text (see the package comment).
func (s *scope) constant(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return s.constant(x.X)
	case *ast.BinaryExpr:
		return s.constant(x.X) && s.constant(x.Y)
	case *ast.Ident:
		return s.ident(x.Name)
	case *ast.SelectorExpr:
		// An exported name of another package is taken for a constant;
		// one of this module must be a constant of its package.
		if pkg, ok := x.X.(*ast.Ident); ok {
			if dir, isImport := s.file.imports[pkg.Name]; isImport {
				return dir == "" || s.m.consts[dir][x.Sel.Name]
			}
		}
		return false
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && s.file.imports[pkg.Name] == "" && (pkg.Name == "fmt" || pkg.Name == "strings" || pkg.Name == "strconv") {
				return !slices.ContainsFunc(x.Args, func(a ast.Expr) bool { return !s.constant(a) })
			}
		}
		callees := s.m.callee(s.file, x)
		return len(callees) > 0 && !slices.ContainsFunc(callees, func(g *fn) bool { return s.m.returns[g] })
	}
	return false
}

// ident reports whether a name in the scope is constant: a constant, a
// parameter every call passes a constant, a local only given constants.
func (s *scope) ident(name string) bool {
	if s.m.consts[s.file.pkg][name] {
		return true
	}
	if s.fn == nil {
		return false
	}
	if i := slices.Index(s.fn.params, name); i >= 0 {
		return s.m.called[s.fn] && !s.m.escaped[s.fn] && !s.m.param[s.fn][i]
	}
	if s.visited[name] {
		return true // x = x + "…": judged by its other parts
	}
	if s.visited == nil {
		s.visited = map[string]bool{}
	}
	s.visited[name] = true
	defer delete(s.visited, name)
	assigned, constant := false, true
	ast.Inspect(s.fn.decl.Body, func(n ast.Node) bool {
		switch a := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range a.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && id.Name == name {
					assigned = true
					if len(a.Rhs) != len(a.Lhs) || !s.constant(a.Rhs[i]) {
						constant = false
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range a.Names {
				if id.Name == name {
					assigned = true
					if i < len(a.Values) && !s.constant(a.Values[i]) {
						constant = false
					}
				}
			}
		case *ast.RangeStmt:
			for _, v := range []ast.Expr{a.Key, a.Value} {
				if id, ok := v.(*ast.Ident); ok && id.Name == name {
					assigned, constant = true, false
				}
			}
		}
		return true
	})
	return assigned && constant
}

// refute marks what is not constant, once over the module.
func (m *module) refute() {
	for _, f := range m.files {
		meta := m.meta[f]
		for _, d := range f.Decls {
			decl, ok := d.(*ast.FuncDecl)
			if !ok || decl.Body == nil {
				continue
			}
			s := &scope{m: m, file: meta, fn: m.byDecl[decl]}
			ast.Inspect(decl.Body, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					for _, g := range m.callee(meta, x) {
						for i, a := range x.Args {
							if i < len(g.params) && !m.param[g][i] && !s.constant(a) {
								m.param[g][i], m.changed = true, true
							}
						}
					}
				case *ast.ReturnStmt:
					g := s.fn
					if m.returns[g] || len(x.Results) == 0 {
						return true
					}
					for _, i := range g.strings {
						if i < len(x.Results) && !s.constant(x.Results[i]) {
							m.returns[g], m.changed = true, true
						}
					}
				case *ast.FuncLit:
					return false // its returns are not the function's
				}
				return true
			})
		}
	}
}

// check runs the analysis to its end and returns the findings.
func (m *module) check() []string {
	for m.changed = true; m.changed; {
		m.changed = false
		m.refute()
	}
	var found []string
	flag := func(s *scope, n ast.Node, what string) {
		name := "package level"
		if s.fn != nil {
			name = s.fn.decl.Name.Name
		}
		if _, ok := allowed[s.file.path+":"+name]; ok {
			return
		}
		f := fmt.Sprintf("%s: in %s: %s", m.fset.Position(n.Pos()), name, what)
		if !slices.Contains(found, f) {
			found = append(found, f)
		}
	}
	for _, f := range m.files {
		meta := m.meta[f]
		for _, d := range f.Decls {
			s := &scope{m: m, file: meta}
			if decl, ok := d.(*ast.FuncDecl); ok {
				s.fn = m.byDecl[decl]
			}
			ast.Inspect(d, func(n ast.Node) bool {
				e, ok := n.(ast.Expr)
				if !ok {
					return true
				}
				if built(e) && !s.constant(e) && sqlText.MatchString(text(e)) {
					flag(s, e, "SQL text is joined to what is not constant")
					return false
				}
				call, ok := e.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !sqlCalls[sel.Sel.Name] || len(call.Args) == 0 {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok {
					if _, isImport := meta.imports[pkg.Name]; isImport {
						return true // a package's function (cmp.Or), not a database's method
					}
				}
				arg := call.Args[0]
				if isContext(arg) {
					if len(call.Args) == 1 {
						return true // a selector's Select(ctx)
					}
					arg = call.Args[1]
				}
				if stringy(s, arg) && !s.constant(arg) {
					flag(s, arg, sel.Sel.Name+"'s SQL is not constant")
				}
				return true
			})
		}
	}
	slices.Sort(found)
	return found
}

// built reports whether e joins text: "+" on strings, or a formatting or
// joining call.
func built(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BinaryExpr:
		return x.Op == token.ADD && (hasString(x.X) || hasString(x.Y))
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok {
				return pkg.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Sprint") || pkg.Name == "strings" && sel.Sel.Name == "Join"
			}
		}
	}
	return false
}

func hasString(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if l, ok := n.(*ast.BasicLit); ok && l.Kind == token.STRING {
			found = true
		}
		return !found
	})
	return found
}

// stringy reports whether the SQL argument may be text: not a composite
// literal, an address (&Model{}), a map or a function.
func stringy(s *scope, e ast.Expr) bool {
	switch e.(type) {
	case *ast.CompositeLit, *ast.UnaryExpr, *ast.FuncLit:
		return false
	case *ast.Ident:
		// A local given anything but text (a struct, a clause) is not SQL
		// text; one given text is judged by constant.
		return true
	}
	return true
}

// text is the constant text inside e, for the SQL test.
func text(e ast.Expr) string {
	var b strings.Builder
	ast.Inspect(e, func(n ast.Node) bool {
		if l, ok := n.(*ast.BasicLit); ok && l.Kind == token.STRING {
			if s, err := strconv.Unquote(l.Value); err == nil {
				b.WriteString(s + " ")
			}
		}
		return true
	})
	return b.String()
}

// isContext reports whether e looks like a context argument.
func isContext(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "ctx"
	case *ast.SelectorExpr:
		return x.Sel.Name == "ctx"
	case *ast.CallExpr:
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			return sel.Sel.Name == "Background" || sel.Sel.Name == "TODO" || sel.Sel.Name == "Context"
		}
	}
	return false
}
