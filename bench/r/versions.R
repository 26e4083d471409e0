# Prints the R side's versions as JSON: Rscript bench/r/versions.R
suppressPackageStartupMessages({ library(jsonlite); library(surveillance); library(spdep); library(sf) })
si <- sessionInfo()
cat(toJSON(list(
  r = R.version.string,
  surveillance = as.character(packageVersion("surveillance")),
  spdep = as.character(packageVersion("spdep")),
  sf = as.character(packageVersion("sf")),
  geos = unname(sf_extSoftVersion()[["GEOS"]]),
  blas = if (is.null(si$BLAS)) "" else si$BLAS
), auto_unbox = TRUE), "\n", sep = "")
