/*
 * libfdt-probe: answers questions about devicetree blobs with Debian's libfdt,
 * so that test/tools/fdt-tools.test.ts can compare bootproto's answers.
 *
 *   libfdt-probe check FILE...        one line per file: "0" or libfdt's error number
 *                                     from fdt_check_full()
 *   libfdt-probe path FILE PATH...    one line per path: fdt_path_offset()
 *   libfdt-probe phandle FILE N...    one line per phandle: fdt_node_offset_by_phandle()
 *   libfdt-probe walk FILE [REPS]     walks every node and property REPS times with
 *                                     fdt_next_node/fdt_first_property_offset/
 *                                     fdt_next_property_offset/fdt_getprop_by_offset;
 *                                     prints nodes, properties, ns per node
 *   libfdt-probe lookups FILE REPS PATH...   times fdt_path_offset over the paths
 */
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *load(const char *name, size_t *len) {
	FILE *f = fopen(name, "rb");
	if (!f) { perror(name); exit(2); }
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	/* 8-byte aligned, as libfdt requires */
	void *buf = aligned_alloc(8, ((size_t)n + 8) & ~(size_t)7);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(name); exit(2); }
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static double now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
	size_t len;
	if (argc < 3) { fprintf(stderr, "usage: see source\n"); return 2; }
	if (!strcmp(argv[1], "check")) {
		for (int i = 2; i < argc; i++) {
			void *fdt = load(argv[i], &len);
			printf("%d\n", len < FDT_V1_SIZE ? -FDT_ERR_TRUNCATED : fdt_check_full(fdt, len));
			free(fdt);
		}
		return 0;
	}
	void *fdt = load(argv[2], &len);
	if (!strcmp(argv[1], "path")) {
		for (int i = 3; i < argc; i++) printf("%d\n", fdt_path_offset(fdt, argv[i]));
	} else if (!strcmp(argv[1], "phandle")) {
		for (int i = 3; i < argc; i++) printf("%d\n", fdt_node_offset_by_phandle(fdt, (uint32_t)strtoul(argv[i], 0, 0)));
	} else if (!strcmp(argv[1], "walk")) {
		int reps = argc > 3 ? atoi(argv[3]) : 1;
		long nodes = 0, props = 0;
		unsigned sum = 0;
		double t0 = now_ns();
		for (int r = 0; r < reps; r++) {
			for (int node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
				nodes++;
				int nl;
				const char *name = fdt_get_name(fdt, node, &nl);
				sum += name ? (unsigned)nl : 0;
				int p;
				fdt_for_each_property_offset(p, fdt, node) {
					const char *pn;
					int plen;
					const void *v = fdt_getprop_by_offset(fdt, p, &pn, &plen);
					if (v) sum += (unsigned)plen;
					props++;
				}
			}
		}
		double t1 = now_ns();
		printf("%ld %ld %.2f %u\n", nodes / reps, props / reps, (t1 - t0) / nodes, sum);
	} else if (!strcmp(argv[1], "lookups")) {
		int reps = atoi(argv[3]);
		long n = 0;
		int sum = 0;
		double t0 = now_ns();
		for (int r = 0; r < reps; r++)
			for (int i = 4; i < argc; i++, n++) sum += fdt_path_offset(fdt, argv[i]);
		double t1 = now_ns();
		printf("%ld %.2f %d\n", n, (t1 - t0) / n, sum);
	}
	return 0;
}
