// Package coldstart pauses the garbage collector while the program
// initializes, and lets main resume it once the function is ready: a cold
// start allocates several MB that it keeps (parsed schemas, the SDK's
// tables), so collecting during it only delays the first answer.
//
// Import it first, for its side effect, from a Lambda main. Go initializes
// packages in the order of their import paths among those whose
// dependencies are ready, so this one, which depends only on the runtime,
// runs before most third-party packages' initialization.
package coldstart

import "runtime/debug"

var gcPercent = debug.SetGCPercent(-1)

// Done resumes the garbage collector at the percentage it had.
func Done() {
	debug.SetGCPercent(gcPercent)
}
