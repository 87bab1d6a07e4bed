package graph

import (
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/risk"
)

// riskAssessment maps an assessment to its GraphQL type; the risk levels
// are the Risk enum's names.
func riskAssessment(a risk.Assessment) *model.RiskAssessment {
	out := &model.RiskAssessment{Score: a.Score, Level: change.Risk(a.Level), Factors: make([]*model.RiskFactor, len(a.Factors))}
	for i, f := range a.Factors {
		out.Factors[i] = &model.RiskFactor{Name: f.Name, Weight: f.Weight, Value: f.Value, Explanation: f.Explanation}
	}
	return out
}
