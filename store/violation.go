package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/relgraph/relgraph/ent/migrate"
)

// ViolationKind is the kind of database constraint a write broke.
type ViolationKind int

// The constraint kinds relgraph tells apart.
const (
	// NoViolation: the error is not a constraint violation this package knows.
	NoViolation ViolationKind = iota
	// UniqueViolation: the write would duplicate a unique key.
	UniqueViolation
	// ForeignKeyViolation: the write references a record that does not exist.
	ForeignKeyViolation
)

// Violation is a database constraint a write broke.
type Violation struct {
	Kind ViolationKind
	// Table and Columns name the unique key of a UniqueViolation, when the
	// driver says which (Columns in the schema's spelling, e.g. "name").
	Table   string
	Columns []string
}

// ConstraintViolation classifies err by the driver's error type and code
// (SQLite extended result codes, PostgreSQL SQLSTATE), never by message, so
// that a driver upgrade that rewords its messages changes nothing. The key
// of a unique violation comes from the schema (PostgreSQL names the
// constraint) or, on SQLite, which names only columns, from the "table.column"
// list that follows the code in its message.
func ConstraintViolation(err error) Violation {
	var lite sqlite3.Error
	if errors.As(err, &lite) && lite.Code == sqlite3.ErrConstraint {
		switch lite.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			v := Violation{Kind: UniqueViolation}
			if _, list, ok := strings.Cut(lite.Error(), ": "); ok {
				for _, qualified := range strings.Split(list, ", ") {
					table, column, _ := strings.Cut(qualified, ".")
					v.Table, v.Columns = table, append(v.Columns, column)
				}
			}
			return v
		case sqlite3.ErrConstraintForeignKey:
			return Violation{Kind: ForeignKeyViolation}
		}
		return Violation{}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505": // unique_violation
			v := Violation{Kind: UniqueViolation, Table: pg.TableName}
			v.Columns = uniqueKey(pg.TableName, pg.ConstraintName)
			return v
		case "23503": // foreign_key_violation
			return Violation{Kind: ForeignKeyViolation}
		}
	}
	return Violation{}
}

// uniqueKey finds the columns of a PostgreSQL unique constraint in the
// schema: a unique index by its name, or a unique column by the name
// PostgreSQL gives its constraint (table_column_key).
func uniqueKey(table, constraint string) []string {
	for _, t := range migrate.Tables {
		if t.Name != table {
			continue
		}
		for _, idx := range t.Indexes {
			if idx.Unique && idx.Name == constraint {
				cols := make([]string, len(idx.Columns))
				for i, c := range idx.Columns {
					cols[i] = c.Name
				}
				return cols
			}
		}
		for _, c := range t.Columns {
			if c.Unique && table+"_"+c.Name+"_key" == constraint {
				return []string{c.Name}
			}
		}
	}
	return nil
}

// Retryable reports a database refusal that says nothing about the request
// and may not happen again: SQLite busy or locked past its timeout, a
// PostgreSQL serialization failure, deadlock or lock timeout.
func Retryable(err error) bool {
	if isBusy(err) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return true
		}
	}
	return false
}
