// Response shapes of the pinned read API the console uses.

export type AreaPicture = {
  from: string | null;
  to: string | null;
  dataAsOf: string | null;
  cityWide: { count: number };
  areas: AreaPictureRow[];
};

export type AreaPictureRow = {
  code: string;
  name: string;
  count: number;
  population: number | null;
  ratePer10k: number | null;
};

export type SignalExtent = { from: string | null; to: string | null; dataAsOf: string | null };

export type TaxonomyTerm = {
  code: string;
  parentCode: string | null;
  facet: string;
  label: string;
  description: string | null;
  retired: boolean;
  custom: boolean;
  labelLocale: string;
};

export type TaxonomyFacet = { code: string; name: string };

export type Taxonomy = { locale: string; facets?: TaxonomyFacet[]; terms: TaxonomyTerm[] };

export type SourceSummary = {
  code: string;
  name: string;
  kind: string;
  method: string;
  cadence: string;
  licence: string | null;
  lastDeliveredAt: string | null;
  nextDueAt: string | null;
  overdue: boolean;
};

export type SignalItem = {
  id: string;
  externalId: string;
  source: { code: string; name: string };
  occurredAt: string;
  occurredOn: string;
  area: { code: string; name: string } | null;
  labels: string[];
  severity: number | null;
};

export type SignalPage = { items: SignalItem[]; nextCursor: string | null; total: number };

export type AreaProperties = { code: string; name: string; level: string; parentCode: string | null };
