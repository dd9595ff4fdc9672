package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/outdial/outdial/activities"
)

// faultEnv names a fault for the worker to inject into itself. It exists
// for the fault test (fault_test.go), which must kill a worker at one exact
// point no outside signal can hit; unset, as it always is in production, it
// injects nothing.
const faultEnv = "OUTDIAL_FAULT"

// killAfterAttemptRecorded makes the worker SIGKILL itself once an attempt
// is recorded and before its dial request is sent.
const killAfterAttemptRecorded = "kill-after-attempt-recorded"

// injectFault sets up the fault OUTDIAL_FAULT names, read once at start.
func injectFault(contacts *activities.Contact) error {
	switch v := os.Getenv(faultEnv); v {
	case "":
		return nil
	case killAfterAttemptRecorded:
		contacts.Recorded = func(attemptID string) {
			slog.Warn("fault injected: killing the worker before the dial", "fault", v, "attempt", attemptID)
			if self, err := os.FindProcess(os.Getpid()); err == nil && self.Kill() == nil {
				select {} // SIGKILL is on its way: the dial must never start
			}
			os.Exit(1) // no signal could be sent: die anyway, before the dial
		}
		return nil
	default:
		return fmt.Errorf("%s=%q is not a fault this binary knows (%s)", faultEnv, v, killAfterAttemptRecorded)
	}
}
