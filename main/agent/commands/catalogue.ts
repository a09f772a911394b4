import type { Command } from 'commander';
import type { Entity, Metric } from '../../../shared/domain';
import type { GlobalContext } from '../context';
import { callEngine } from '../engine-call';
import { table } from '../output';

/** Case-insensitive, every word somewhere in the entry: "elec kwh" finds "Electricity consumption (kWh)". */
function matcher(search: string | undefined): (fields: Array<string | null>) => boolean {
  const words = (search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return () => true;
  return (fields) => {
    const text = fields.filter(Boolean).join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  };
}

/**
 * `esg-sync catalogue --connection NAME [--metrics] [--sites] [--search TEXT]`: the platform's
 * metric library and sites (entities) with the ids a mapping file needs, fetched through the
 * connection as the wizard does (`catalogue.get`).
 */
export function registerCatalogue(program: Command, ctx: () => GlobalContext): void {
  program
    .command('catalogue')
    .alias('catalog')
    .description("list the platform's metric ids and site ids (with names, codes and units) that mapping files use")
    .requiredOption('--connection <connection>', 'the platform connection (name or id)')
    .option('--metrics', 'list the metric library only')
    .option('--sites', 'list the sites (entities) only')
    .option('--search <text>', 'only entries whose id, code, name or unit holds these words (any case)')
    .addHelpText(
      'after',
      [
        '',
        'A mapping file names metrics and sites by these ids ("metricId": "met_elec_cons", a value map',
        '"MAN-02": "ent_man02"); `esg-sync mapping import` refuses ids the platform does not have.',
      ].join('\n'),
    )
    .action(async (o: { connection: string; metrics?: boolean; sites?: boolean; search?: string }) => {
      const { dataDir, out } = ctx();
      const both = !o.metrics && !o.sites;
      const connection = (await callEngine(dataDir, 'connections.list', {})).find((c) => c.id === o.connection || c.name === o.connection);
      // An unknown connection is left to catalogue.get, which names the connections there are.
      const cat = await callEngine(dataDir, 'catalogue.get', { connectionId: connection?.id ?? o.connection });
      const match = matcher(o.search);
      const metrics: Metric[] = both || o.metrics ? cat.metrics.filter((m) => match([m.id, m.code, m.name, m.unit, m.category])) : [];
      const entities: Entity[] = both || o.sites ? cat.entities.filter((e) => match([e.id, e.externalRef, e.name, e.type])) : [];
      const name = connection?.name ?? o.connection;
      const filtered = o.search ? ` matching "${o.search}"` : '';
      out.print(
        {
          connection: { id: connection?.id ?? o.connection, name },
          ...(both || o.metrics ? { metrics } : {}),
          ...(both || o.sites ? { entities } : {}),
          freeMetrics: cat.freeMetrics ?? false,
        },
        () => {
          const parts: string[] = [];
          if (both || o.metrics) {
            if (cat.freeMetrics && !cat.metrics.length) parts.push(`"${name}" has no metric library: a mapping names its metrics as the platform should receive them.`);
            else {
              parts.push(`Metrics of "${name}"${filtered}: ${metrics.length} of ${cat.metrics.length}`);
              if (metrics.length)
                parts.push(
                  table(
                    metrics.map((m) => ({ id: m.id, code: m.code, name: m.name, unit: m.unit, type: m.valueType, writable: m.writable ? 'yes' : 'no' })),
                    ['id', 'code', 'name', 'unit', 'type', 'writable'],
                  ),
                );
            }
          }
          if (both || o.sites) {
            if (parts.length) parts.push('');
            parts.push(`Sites of "${name}"${filtered}: ${entities.length} of ${cat.entities.length}`);
            if (entities.length) parts.push(table(entities.map((e) => ({ id: e.id, code: e.externalRef ?? '', name: e.name, type: e.type })), ['id', 'code', 'name', 'type']));
          }
          return parts.join('\n');
        },
      );
    });
}
