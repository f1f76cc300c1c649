/*
 * Replays a fuzz target's corpus without libFuzzer, so that `make check`
 * runs every saved input under gcc (and the sanitizers when enabled).
 * Usage: fuzz_X-replay DIR|FILE...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	int i, count = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char **names = NULL;
		size_t nn = 0, k;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) != 0)
				return 2;
			count++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return 2;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			names = realloc(names, (nn + 1) * sizeof *names);
			if (names == NULL)
				abort();
			names[nn] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
			if (names[nn] == NULL)
				abort();
			sprintf(names[nn], "%s/%s", argv[i], e->d_name);
			nn++;
		}
		closedir(d);
		qsort(names, nn, sizeof *names, cmp);
		for (k = 0; k < nn; k++) {
			if (replay_file(names[k]) != 0)
				return 2;
			count++;
			free(names[k]);
		}
		free(names);
	}
	printf("fuzz replay %s: %d inputs, 0 crashes\n", argv[0], count);
	return 0;
}
