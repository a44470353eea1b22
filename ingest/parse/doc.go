// Package parse reads one raw RFC 5322 message the way a careful liaison coordinator would:
// into a liaison statement, a coordinator's reply command, or "not a statement" with a reason.
//
// Parse is a pure function of the bytes and its Options: it writes nothing, bounds the time and
// memory it spends, and never fails: problems with the input become Problems on the result.
package parse
