// Package window decides when a contact may be dialed.
//
// A contact is dialed only inside every window that applies to it: the
// campaign's date range, the campaign's daily time range and the enabled
// calling hours of the contact's time zone, all read in the contact's own
// local time. A [Spec] holds those windows for one zone; [Spec.Open] says
// whether an instant is inside all of them, [Spec.Next] gives the earliest
// instant at or after a given one that is, and [Spec.Explain] says why an
// instant is closed and until when.
//
// Time zones arrive as IANA names ("America/Chicago", or aliases such as
// "US/Central") or as the Windows-style display names that contact-center
// consoles show ("(UTC-06:00) Central Time (US and Canada)"); [IANAName]
// maps either to the canonical IANA name of its place, whose rules,
// daylight saving included, decide the clock, and [Canonical] resolves
// IANA names and aliases alone. Names that are not places (EST, CST6CDT,
// Etc/GMT+5) and display names whose offset contradicts their zone are
// refused. A configured time zone covers every zone of its Windows time
// zone, as CLDR maps them ([Covered], [Governing]).
//
// # Semantics
//
// Windows are minute-granular and are judged on the local wall clock: an
// instant is inside a daily window when its local hour and minute are, and
// inside the date range when its local calendar date is. A daily window
// ends at the minute its End names ("21:00" closes at 21:00:00), except
// that "11:59 PM" means until midnight; a window whose End is before its
// Start crosses midnight (22:00–02:00).
//
// Daylight-saving changes follow from reading the wall clock:
//
//   - Spring forward: wall times in the skipped hour never occur. A window
//     whose start falls in the gap opens at the first instant after the gap
//     (a 02:30 start opens at 03:00 on a night the clocks go from 02:00 to
//     03:00). A window lying wholly inside the gap does not open that day.
//   - Fall back: the repeated hour is inside a window whenever its wall time
//     is, both times it occurs. A window 22:00–01:30 is open from 01:00 to
//     01:30 CDT, closed from 01:31 CDT, and open again from 01:00 to 01:30 CST.
//   - A day a zone skips altogether (Pacific/Apia, 2011-12-30) has no
//     openings.
package window
