BEGIN { FS=":" } NR > 1 { total += $3; n++ } END { printf "%d rows, qty %d, mean %.3f\n", n, total, total / n }
