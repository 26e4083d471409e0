import type { Mapping } from '../../../../core/contracts/mapping.ts';
import { openCsvReader } from './csv.reader.ts';
import { openGeoJsonReader, openJsonReader } from './json.reader.ts';
import type { OpenedFile, RowReader } from './reader.ts';
import { openXlsxReader } from './xlsx.reader.ts';

/** The reader for the mapping's file format. */
export function openRowReader(file: OpenedFile, format: Mapping['format']): Promise<RowReader> {
  switch (format.type) {
    case 'csv':
      return openCsvReader(file.stream, format);
    case 'xlsx':
      return openXlsxReader(file.stream, format, file.name);
    case 'json':
      return openJsonReader(file.stream, format, file.name);
    case 'geojson':
      return openGeoJsonReader(file.stream, format, file.name);
  }
}
