# Spatial side of the analytics benchmark: Rscript bench/r/spatial.R <dir> <name> <reps> <contiguity-reps>
# Reads <dir>/<name>.geojson (areas in order, property `code`) and <dir>/<name>-values.csv (code,cases,population).
# Timed separately (reading not timed):
#   poly2nb(queen = TRUE, snap = sqrt(eps)) with sf_use_s2(FALSE)          README §5
#   localG(x, nb2listw(include.self(nb), style = "B"))                     README §6 (listw build timed apart)
#   EBlocal(cases, population, nb, geoda = TRUE)                           README §7
# Writes <dir>/r-<name>-card.bin, -nb.bin (1-based neighbour indices, ints), -z.bin and -eb.bin (doubles).
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "common.R"))
suppressPackageStartupMessages({ library(sf); library(spdep) })
invisible(sf_use_s2(FALSE))

args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; name <- args[2]; reps <- as.integer(args[3]); nbReps <- as.integer(args[4])
geo <- st_read(file.path(dir, paste0(name, ".geojson")), quiet = TRUE)
values <- read.csv(file.path(dir, paste0(name, "-values.csv")), colClasses = c(code = "character"))
stopifnot(identical(geo$code, values$code))
x <- as.numeric(values$cases); pop <- as.numeric(values$population)
snap <- sqrt(.Machine$double.eps)

nbSeconds <- vapply(seq_len(nbReps), function(r) {
  t0 <- elapsed(); nb <<- poly2nb(geo, queen = TRUE, snap = snap); elapsed() - t0
}, numeric(1))
listwSeconds <- seconds_per_call(function() nb2listw(include.self(nb), style = "B"), reps)
lw <- nb2listw(include.self(nb), style = "B")
localGSeconds <- seconds_per_call(function() localG(x, lw), reps)
z <- as.numeric(localG(x, lw))
ebSeconds <- seconds_per_call(function() EBlocal(x, pop, nb, geoda = TRUE), reps)
eb <- EBlocal(x, pop, nb, geoda = TRUE)

write_ints(card(nb), file.path(dir, sprintf("r-%s-card.bin", name)))
write_ints(unlist(lapply(nb, function(v) v[v > 0])), file.path(dir, sprintf("r-%s-nb.bin", name)))
write_doubles(z, file.path(dir, sprintf("r-%s-z.bin", name)))
write_doubles(eb$est, file.path(dir, sprintf("r-%s-eb.bin", name)))
emit(list(name = name, areas = nrow(geo), pairs = sum(card(nb)) / 2, poly2nbSeconds = nbSeconds,
          listwSeconds = listwSeconds, localGSeconds = localGSeconds, eblocalSeconds = ebSeconds))
