package xraydaemon

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CheckTrace checks docs as the subsegments of one trace that a function
// sent under root, the Parent of Lambda's trace header (the segment that
// Lambda writes): all on one trace id, ids unique, and every parent_id
// either root or the id of another of docs (or of a subsegment embedded in
// one), leading up to root, so that X-Ray can place every document. It
// also holds the trace to X-Ray's 50 indexed annotations. The error lists
// every problem, one a line.
func CheckTrace(docs []Document, root string) error {
	if len(docs) == 0 {
		return errors.New("no documents")
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// parents maps every id to its parent's: a document's parent_id, an
	// embedded subsegment's container.
	parents := map[string]string{}
	annotations := 0
	var walk func(d *Document, parent string)
	walk = func(d *Document, parent string) {
		if _, seen := parents[d.ID]; seen || d.ID == root {
			add("id %s (%s) is not unique in the trace", d.ID, d.Name)
		}
		parents[d.ID] = parent
		annotations += len(d.Annotations)
		for i := range d.Subsegments {
			walk(&d.Subsegments[i], d.ID)
		}
	}
	traces := map[string][]string{}
	for i := range docs {
		d := &docs[i]
		traces[d.TraceID] = append(traces[d.TraceID], d.ID)
		walk(d, d.ParentID)
	}
	if len(traces) > 1 {
		var on []string
		for _, id := range slices.Sorted(maps.Keys(traces)) {
			on = append(on, fmt.Sprintf("%s (%s)", id, strings.Join(traces[id], ", ")))
		}
		add("documents are on %d traces, not one: %s", len(traces), strings.Join(on, "; "))
	}
	for i := range docs {
		if p := pathToRoot(docs[i].ParentID, parents, root); p != "" {
			add("%s (%s): %s", docs[i].ID, docs[i].Name, p)
		}
	}
	if annotations > maxAnnotationsPerDoc {
		add("%d annotations: X-Ray indexes %d per trace", annotations, maxAnnotationsPerDoc)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

// pathToRoot follows the parents from id up to root, and says why it
// cannot.
func pathToRoot(id string, parents map[string]string, root string) string {
	for range len(parents) + 1 {
		if id == root {
			return ""
		}
		next, ok := parents[id]
		if !ok {
			return fmt.Sprintf("parent_id %s is neither the trace's root %s nor a document of the trace", id, root)
		}
		id = next
	}
	return "its parents form a cycle that never reaches the root " + root
}
