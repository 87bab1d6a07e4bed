package lifecycle

// PackageStatus rolls the statuses of a release package's releases up into
// the package's own, so that a report of packages reads like a report of
// releases:
//
//   - CANCELLED when every release is: nothing of the package will ship;
//   - DEPLOYED when every release is DEPLOYED or CANCELLED (and one is
//     DEPLOYED): nothing is left to do;
//   - IN_PROGRESS when a release is IN_PROGRESS, or some are DEPLOYED while
//     others are still to come: the package has started shipping;
//   - PLANNED when a release is PLANNED: work is scheduled, none started;
//   - DRAFT otherwise, including for a package without releases, which has
//     nothing planned yet.
//
// A cancelled release is set aside rather than holding its package back:
// {PLANNED, CANCELLED} is PLANNED and {DEPLOYED, CANCELLED} is DEPLOYED.
// The answer depends only on which statuses occur, not on their order or
// count. A status outside Statuses counts as DRAFT: the package never
// claims more progress than its releases show.
func PackageStatus(statuses []Status) Status {
	seen := map[Status]bool{}
	for _, s := range statuses {
		switch s {
		case Planned, InProgress, Deployed, Cancelled:
			seen[s] = true
		default:
			seen[Draft] = true
		}
	}
	switch {
	case len(statuses) == 0:
		return Draft
	case len(seen) == 1 && seen[Cancelled]:
		return Cancelled
	case seen[Deployed] && !seen[Draft] && !seen[Planned] && !seen[InProgress]:
		return Deployed
	case seen[InProgress] || seen[Deployed]:
		return InProgress
	case seen[Planned]:
		return Planned
	}
	return Draft
}
