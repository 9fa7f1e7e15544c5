/* Placeholder until the CLI lands; replaced by the real entry point. */
#include <stdio.h>
int
main (void)
{
  fputs ("skopos: the command line is not built yet\n", stderr);
  return 1;
}
