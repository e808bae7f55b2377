/**
 * Benchmarks ({@code jcolz-bench.jar}, entry point {@link io.jcolz.bench.BenchMain}): the JMH suite
 * of the kernels (chunk decode by codec and level, batch assembly, label scatter, the fused loss,
 * the loader end to end) run by {@code bench/run-suite}, and the checks that are one long
 * measurement rather than a JMH loop (ScaleCheck at 12 M rows, PackBenchmark, LabelJoinCheck), plus
 * the dataset generators they use. Figures, machines and commands are in BENCHMARKS.md.
 */
package io.jcolz.bench;
