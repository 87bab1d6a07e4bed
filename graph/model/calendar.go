package model

import "time"

// CalendarRange is the time range a Calendar covers; its lists are resolved
// from it, each with Ent's field collection so nested selections do not
// cost a query per row.
type CalendarRange struct {
	From, To time.Time
}
