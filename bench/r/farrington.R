# Farrington side of the analytics benchmark: Rscript bench/r/farrington.R <dir> <weeks> <runs>
# Reads <dir>/farrington-counts.csv (one series per line) and runs surveillance::farringtonFlexible with the
# Noufaily configuration of README §4 on the latest week only (range = T), one sts per series. Writes
# <dir>/r-farrington.bin: per series 7 doubles (expected, upperbound, alarm, trend, trend coefficient, phi, pvalue),
# NA where surveillance has no value. Timed: the loop over the series (sts construction, fit, extraction).
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "common.R"))
suppressPackageStartupMessages(library(surveillance))

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; weeks <- as.integer(args[2]); runs <- as.integer(args[3])
m <- read_panel(file.path(dir, "farrington-counts.csv"), weeks)
n <- nrow(m)
T <- weeks

control <- list(range = T, b = 5, w = 3, noPeriods = 10, pastWeeksNotIncluded = 26,
                weightsThreshold = 2.58, thresholdMethod = "nbPlugin", alpha = 0.05,
                trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4),
                powertrans = "2/3", reweight = TRUE, glmWarnings = FALSE)
seconds <- numeric(0)
warned <- 0L
for (run in seq_len(runs)) {
  res <- matrix(NA_real_, nrow = n, ncol = 7)
  warned <- 0L
  t0 <- elapsed()
  for (i in seq_len(n)) {
    s <- sts(observed = matrix(m[i, ], ncol = 1), start = c(2018, 1), frequency = 52)
    r <- withCallingHandlers(farringtonFlexible(s, control = control),
                             warning = function(w) { warned <<- warned + 1L; invokeRestart("muffleWarning") })
    cc <- r@control
    res[i, ] <- c(cc$expected[1, 1], upperbound(r)[1, 1], alarms(r)[1, 1], cc$trend[1, 1],
                  cc$trendVector[1, 1], cc$phiVector[1, 1], cc$pvalue[1, 1])
  }
  seconds <- c(seconds, elapsed() - t0)
}
write_doubles(t(res), file.path(dir, "r-farrington.bin"))
emit(list(series = n, weeks = weeks, t = T, runs = runs, seconds = seconds, warnings = warned))
