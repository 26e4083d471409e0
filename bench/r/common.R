# Helpers shared by the analytics benchmark's R scripts (sourced; not run on their own).
# Each script reads its inputs from the exchange directory the harness gives it, times only the computation with
# proc.time(), writes the results as raw little-endian doubles/integers (exact, and fast to read in Node) and prints
# one JSON object with the timings on stdout.

suppressPackageStartupMessages(library(jsonlite))

elapsed <- function() proc.time()[["elapsed"]]

# Seconds per call of f(): proc.time() ticks in milliseconds, so fast calls are repeated in blocks of at least
# `min_block` seconds and the block divided by its length. Returns one value per block (`reps` blocks).
seconds_per_call <- function(f, reps, min_block = 0.25) {
  t0 <- elapsed(); f(); first <- elapsed() - t0
  k <- if (first >= min_block) 1L else as.integer(ceiling(min_block / max(first, 1e-4)))
  vapply(seq_len(reps), function(r) {
    t0 <- elapsed()
    for (i in seq_len(k)) f()
    (elapsed() - t0) / k
  }, numeric(1))
}

write_doubles <- function(x, path) {
  con <- file(path, "wb"); on.exit(close(con))
  writeBin(as.double(x), con, size = 8, endian = "little")
}

write_ints <- function(x, path) {
  con <- file(path, "wb"); on.exit(close(con))
  writeBin(as.integer(x), con, size = 4, endian = "little")
}

emit <- function(x) cat(toJSON(x, auto_unbox = TRUE, digits = NA), "\n", sep = "")

read_panel <- function(path, weeks) {
  y <- scan(path, what = double(), sep = ",", quiet = TRUE)
  matrix(y, ncol = weeks, byrow = TRUE)
}
