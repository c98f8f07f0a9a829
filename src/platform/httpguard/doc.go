// Package httpguard is what a JSON API's handlers sit behind, so that they
// only ever see requests the API accepts: routes that exist (Routes), HEAD
// answered as GET (HeadAsGet), bounded JSON bodies that mean exactly what
// they say (JSONBodies), decoded strictly into the spec's generated types
// (StrictBodies), and the security headers of every answer
// (SecureHeaders). Every request it refuses is answered with a problem
// document that names what to fix and echoes nothing the client sent.
//
// It links no OpenAPI library: the generated types and routes carry the
// spec, and a service's domain keeps the rules the spec states, so that a
// cold start does not pay for a validator (docs/performance.md).
package httpguard
