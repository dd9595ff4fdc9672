// Command searchattrs prints Outdial's custom search attributes as the
// temporal CLI's --search-attribute values, one a line, for scripts that
// start a dev server.
package main

import (
	"fmt"

	"github.com/outdial/outdial/internal/contract"
)

func main() {
	for _, sa := range contract.SearchAttributes {
		fmt.Printf("%s=%s\n", sa.Name, sa.Type.String())
	}
}
