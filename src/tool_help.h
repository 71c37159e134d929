/* --help, made from the option table (tool_options.h): each option under its group with its
 * value, its default (from cci/util/defaults.h) and a few words, packed into lines of at most
 * TOOL_HELP_WIDTH columns, so an option added to the table is in the help at once.
 * Thread-safety: built once (pthread_once); the text is constant afterwards. */
#ifndef CCI_TOOL_HELP_H
#define CCI_TOOL_HELP_H

enum { TOOL_HELP_WIDTH = 100 };

const char *tool_help_text(void);

#endif
