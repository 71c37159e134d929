/* Where a run's outputs go when the options do not say: beside the input, named after it.
 * Thread-safety: pure functions. */
#ifndef CCI_TOOL_PATHS_H
#define CCI_TOOL_PATHS_H

/* input with its extension replaced by suffix ("users.csv", ".report.csv" -> "users.report.csv");
 * standard input ("-") is named "stdin". malloc'd; NULL when out of memory. */
char *cci_path_beside_input(const char *input, const char *suffix);

/* The journal beside the report: "users.report.csv" -> "users.state", "out.csv" -> "out.state".
 * malloc'd; NULL when out of memory. */
char *cci_path_of_state(const char *report_path);

#endif
