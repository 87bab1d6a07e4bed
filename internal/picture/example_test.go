package picture_test

import (
	"fmt"

	"github.com/relgraph/relgraph/internal/picture"
)

// A change to customer-db reaches crm-portal, which depends on it.
func ExampleRender() {
	zero, one := 0, 1
	g := picture.Graph{
		Nodes: []picture.Node{
			{ID: "3", Label: "customer-db", Distance: &zero, Changed: true, Shared: true},
			{ID: "8", Label: "crm-portal", Distance: &one},
		},
		Edges: []picture.Edge{{Consumer: "8", Provider: "3"}},
	}
	out, err := picture.Render(picture.Mermaid, g)
	if err != nil {
		panic(err)
	}
	fmt.Print(out)
	// Output:
	// flowchart BT
	//   n3["customer-db<br/>distance 0"]
	//   n8["crm-portal<br/>distance 1"]
	//   n8 --> n3
	//   classDef changed fill:#fde68a,stroke:#b45309,stroke-width:2px
	//   class n3 changed
	//   classDef shared stroke-width:3px,stroke-dasharray: 5 5
	//   class n3 shared
}
