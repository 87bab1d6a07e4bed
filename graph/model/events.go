package model

import (
	"time"

	"github.com/relgraph/relgraph/ent/auditevent"
)

// ReleaseEvent is a committed write of a release, for the releaseEvents
// subscription; the release itself is loaded when the event is delivered.
type ReleaseEvent struct {
	Kind       auditevent.Action
	At         time.Time
	Actor      string
	ReleaseID  int
	EntityType string
	EntityID   int
}

// PortfolioEvent is a committed write of any audited record, for the
// portfolioEvents subscription; the record is loaded when the event is
// delivered.
type PortfolioEvent struct {
	Kind       auditevent.Action
	At         time.Time
	Actor      string
	EntityType string
	EntityID   int
}
