# EARS side of the analytics benchmark: Rscript bench/r/ears.R <dir> <weeks> <runs>
# Reads <dir>/ears-counts.csv (one series per line), runs surveillance::earsC C1, C2, C3 on each series as its own sts
# object (README §2 control), and writes <dir>/r-ears-<method>-ub.bin (double) and -alarm.bin (int), series-major,
# rows t = firstT..T. Timed: building the sts objects, and each method's loop over the series (results extracted).
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "common.R"))
suppressPackageStartupMessages(library(surveillance))

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; weeks <- as.integer(args[2]); runs <- as.integer(args[3])
m <- read_panel(file.path(dir, "ears-counts.csv"), weeks)
n <- nrow(m)

control <- function(method) list(method = method, baseline = 7, alpha = 0.001, minSigma = 0.5)
out <- list(series = n, weeks = weeks, runs = runs, stsSeconds = numeric(0),
            seconds = list(C1 = numeric(0), C2 = numeric(0), C3 = numeric(0)), firstT = list())
for (run in seq_len(runs)) {
  t0 <- elapsed()
  series <- vector("list", n)
  for (i in seq_len(n)) series[[i]] <- sts(observed = matrix(m[i, ], ncol = 1), start = c(2018, 1), frequency = 52)
  out$stsSeconds <- c(out$stsSeconds, elapsed() - t0)
  for (method in c("C1", "C2", "C3")) {
    ub <- vector("list", n); al <- vector("list", n)
    ctrl <- control(method)
    t0 <- elapsed()
    for (i in seq_len(n)) {
      r <- earsC(series[[i]], control = ctrl)
      ub[[i]] <- upperbound(r)[, 1]
      al[[i]] <- alarms(r)[, 1]
    }
    out$seconds[[method]] <- c(out$seconds[[method]], elapsed() - t0)
    if (run == 1) {
      out$firstT[[method]] <- min(r@control$range)
      write_doubles(unlist(ub), file.path(dir, sprintf("r-ears-%s-ub.bin", method)))
      write_ints(unlist(al), file.path(dir, sprintf("r-ears-%s-alarm.bin", method)))
    }
  }
}
emit(out)
