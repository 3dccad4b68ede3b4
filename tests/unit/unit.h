#ifndef TM_UNIT_H
#define TM_UNIT_H

/*
 * unit.h - shared main() for the Check unit tests: TAP on stdout, so the
 * automake TAP driver counts every test case.  Exit 1 when any fails.
 */

#include <check.h>
#include <stdlib.h>

#define TM_UNIT_MAIN(make_suite)					\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(make_suite());		\
		int failed;						\
									\
		srunner_set_tap(sr, "-");				\
		srunner_run_all(sr, CK_SILENT);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;		\
	}

#endif
