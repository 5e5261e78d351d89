/* placeholder, filled below */
#include "cli.h"
int
cmd_rerun(struct dist_opts *o, int argc, char **argv)
{
	(void)o; (void)argc; (void)argv;
	return EXIT_USAGE;
}
