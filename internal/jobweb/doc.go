// Package jobweb is the job page: a small web UI, served by the
// committer's --http address and by the lister's embedded mode with
// --http, that shows the jobs on the bus with their state and, for one
// job, its progress, rates over time, ETA, the copiers with their copies
// in flight, the failures with their reasons and the report once done.
//
// The page is plain HTML, CSS and a few lines of script embedded in the
// binary (no build step, no external assets); it polls the same JSON it
// draws, which is the documented API (README, "The job page"):
// GET /api/jobs and GET /api/jobs/{id}. It reads the bus through
// internal/jobclient only, so any process connected to the bus can serve
// it, and no service imports another for it.
package jobweb
