import { dump } from 'js-yaml';
import { renderInstallation } from './manifests';

/**
 * `npm run --silent k8s:render -- [-f my-values.yaml]… [--set path=value]…`: the Kubernetes manifests on stdout,
 * for `kubectl apply -f -`. Exits 1 with one line on stderr when a value is missing or an object is invalid.
 */
function main(args: string[]): void {
  const files: string[] = [];
  const sets: string[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined || (flag !== '-f' && flag !== '--set')) throw new Error(`usage: render [-f values.yaml]… [--set path=value]…`);
    (flag === '-f' ? files : sets).push(value);
  }
  const objects = renderInstallation(files, sets);
  process.stdout.write(objects.map((object) => dump(object, { lineWidth: -1, noRefs: true })).join('---\n'));
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
