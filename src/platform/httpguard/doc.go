// Package httpguard is what a JSON API's handlers sit behind, so that they
// only ever see requests the API accepts: bounded JSON bodies that mean
// exactly what they say (JSONBodies), validation against the OpenAPI spec
// (Validate), and the security headers of every answer (SecureHeaders).
// Every request it refuses is answered with a problem document that names
// what to fix and echoes nothing the client sent.
package httpguard
