/* cli-options.h: a small command-line parser that accepts what skopeo's (cobra and
 * pflag) accepts, so scripts written for skopeo keep working:
 *
 *   --flag value, --flag=value, -f value, -fvalue, -f=value, -qa (bool shorthands),
 *   --bool, --bool=true|false (and 1, 0, t, f, T, F, TRUE, FALSE, True, False),
 *   "--" ends the options, a lone "-" is an argument, flags may come before or after
 *   the arguments (a command's parse) or only before them (the global parse).
 *
 * A value flag takes the next argument even when it starts with "-", as pflag does.
 * An optional flag (CliOptionalBool and friends) remembers whether it was given at
 * all, like skopeo's optionalBool: --tls-verify=false is "given, false", no flag is
 * "unset, use the default".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gboolean present;
  gboolean value;
} CliOptionalBool;

typedef struct
{
  gboolean present;
  char *value;
} CliOptionalString;

typedef struct
{
  gboolean present;
  gint64 value;
} CliOptionalInt;

/* What an option's target points to, by type. */
typedef enum
{
  CLI_OPTION_BOOL,            /* gboolean */
  CLI_OPTION_OPTIONAL_BOOL,   /* CliOptionalBool */
  CLI_OPTION_STRING,          /* char * (owned; freed by cli_options_clear) */
  CLI_OPTION_OPTIONAL_STRING, /* CliOptionalString */
  CLI_OPTION_STRING_SLICE,    /* GPtrArray * of char*: repeatable, each value split on
                               * commas (with CSV quoting) like pflag's StringSlice */
  CLI_OPTION_STRING_ARRAY,    /* GPtrArray * of char*: repeatable, values kept whole */
  CLI_OPTION_INT,             /* gint64; Go syntax: 10, 0x1f, 0o17, 0b101, 1_000 */
  CLI_OPTION_OPTIONAL_INT,    /* CliOptionalInt */
  CLI_OPTION_UINT,            /* guint64 */
  CLI_OPTION_INT_SLICE,       /* GArray * of gint64: repeatable, comma-separated */
  CLI_OPTION_DURATION,        /* gint64 nanoseconds; Go syntax: 10s, 1m30s, 1.5h, 300ms */
} CliOptionType;

typedef enum
{
  CLI_OPTION_FLAG_NONE = 0,
  /* Accepted but not listed in --help (deprecated skopeo spellings). */
  CLI_OPTION_FLAG_HIDDEN = 1 << 0,
  /* A skopeo flag skopos does not implement: giving it is an error that says so
   * ("--sign-by is not supported yet"), never a silent no-op. */
  CLI_OPTION_FLAG_UNSUPPORTED = 1 << 1,
} CliOptionFlags;

/**
 * CliOption:
 * @name: the long name without "--" ("src-tls-verify")
 * @short_name: a one-letter alias ('q'), or 0
 * @type: what @target points to
 * @target: where the value goes
 * @arg_name: (nullable): the placeholder shown in help ("PATH"); NULL: the type's name
 * @help: one line of help
 * @flags: CliOptionFlags
 *
 * Tables are arrays ended by an entry whose @name is NULL.
 */
typedef struct
{
  const char *name;
  char short_name;
  CliOptionType type;
  gpointer target;
  const char *arg_name;
  const char *help;
  guint flags;
} CliOption;

#define CLI_OPTION_END { NULL, 0, 0, NULL, NULL, NULL, 0 }

#define CLI_ERROR (cli_error_quark ())

typedef enum
{
  CLI_ERROR_USAGE,       /* bad flag or argument; main adds a "try --help" hint */
  CLI_ERROR_HELP_SHOWN,  /* --help was given and printed: exit 0, print nothing more */
  CLI_ERROR_UNSUPPORTED, /* a flag or command skopos does not implement yet */
  CLI_ERROR_FAILED,      /* anything else the CLI itself detects */
} CliErrorEnum;

GQuark cli_error_quark (void);

/**
 * cli_options_parse:
 * @groups: NULL-terminated array of option tables; a name may appear in one only
 * @args: the arguments after the command name (not including it)
 * @interspersed: TRUE: flags may follow arguments; FALSE: the first argument stops
 *   parsing and it and everything after it go to @out_args unparsed
 * @out_args: (out): GPtrArray of char* (owned) with the arguments left
 * @out_help: (out): set to TRUE when -h or --help was given
 *
 * Parses @args into the targets. Errors are CLI_ERROR_USAGE with pflag's wording
 * ("unknown flag: --x", "flag needs an argument: --format"), or CLI_ERROR_UNSUPPORTED
 * for a flag marked CLI_OPTION_FLAG_UNSUPPORTED.
 */
gboolean cli_options_parse (const CliOption *const *groups,
                            char **args,
                            gsize n_args,
                            gboolean interspersed,
                            GPtrArray **out_args,
                            gboolean *out_help,
                            GError **error);

/* Frees what the parser allocated in the targets of @options (strings, arrays). */
void cli_options_clear (const CliOption *options);

/* Appends pflag-style help lines for @options ("  -q, --quiet   text") to @out. */
void cli_options_format_help (const CliOption *const *groups, GString *out);

/* Parsers shared with the commands, with pflag's error wording. */
gboolean cli_parse_bool (const char *text, gboolean *out_value);
gboolean cli_parse_int (const char *text, gint64 *out_value);
gboolean cli_parse_duration (const char *text, gint64 *out_nanoseconds, GError **error);

/* "1m30s" style text for a duration, as Go's time.Duration.String() writes it. */
char *cli_format_duration (gint64 nanoseconds);

G_END_DECLS
