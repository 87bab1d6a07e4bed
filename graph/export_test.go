package graph

// UseHandWrittenImpactJSON switches the hand-written JSON of impacted lists
// on or off, so tests can compare it with gqlgen's marshalling.
func UseHandWrittenImpactJSON(on bool) { fastImpactJSON.Store(on) }
