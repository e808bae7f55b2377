/**
 * The {@code jcolz} command line ({@link io.jcolz.tools.Main}): one picocli command class per
 * subcommand (pack, info, verify, get, bench, train, eval, predict, demo). Commands only parse,
 * check and print; the work is in the libraries below them (format, image, loader, pack, training).
 *
 * <h2>Conventions</h2>
 *
 * <ul>
 *   <li>Exit codes: 0 success, 1 runtime failure (including a damaged dataset or a failed verify),
 *       2 usage error ({@link io.jcolz.tools.Main}).
 *   <li>Errors are one line on stderr naming what and where; {@code --stacktrace} or {@code
 *       JCOLZ_STACKTRACE=1} adds the Java stack trace.
 *   <li>With {@code --json} ({@link io.jcolz.tools.JsonOption}), a command that measures or
 *       summarises prints one JSON object as the last line of stdout.
 *   <li>Progress bars are drawn on stderr only when it is a terminal ({@code JCOLZ_NO_PROGRESS=1}
 *       turns them off).
 * </ul>
 */
package io.jcolz.tools;
