/**
 * Response shapes from reference/altruistiq/openapi.yml, validated at the trust boundary.
 * Only fields the adapter uses are required; the rest pass through so a new optional field on
 * the platform does not break a sync.
 */
import { z } from 'zod';

export const API = '/api/public/v1';

export const paths = {
  token: `${API}/oauth2/token`,
  upload: (dataSourceId: string) => `${API}/datasource/${encodeURIComponent(dataSourceId)}/upload`,
  complete: (dataSourceId: string, uploadId: string, fileId: string) =>
    `${API}/datasource/${encodeURIComponent(dataSourceId)}/upload/${encodeURIComponent(uploadId)}/file/${encodeURIComponent(fileId)}/complete`,
  exports: `${API}/export`,
  exportStatus: (exportId: string) => `${API}/export/${encodeURIComponent(exportId)}`,
  // The trailing slash is how the spec spells these two paths.
  facilities: `${API}/facilities/`,
  organization: `${API}/organization/`,
  products: `${API}/products`,
} as const;

const idString = z.union([z.string(), z.number()]).transform((v) => String(v));

export const StartUploadResponse = z.looseObject({
  status: z.string().optional(),
  uploadId: idString,
  fileId: idString,
});

export const PartRef = z.object({ PartNumber: z.coerce.number().int().positive(), ETag: z.string() });
export type PartRef = z.infer<typeof PartRef>;

export const UploadPartResponse = z.looseObject({
  dataSourceId: idString.optional(),
  // The spec's example is an array of {PartNumber, ETag}; the code samples treat it as one entry.
  parts: z.union([z.array(PartRef), PartRef]),
  status: z.string().optional(),
});

export const CompleteUploadResponse = z.looseObject({ status: z.string().optional() }).nullable();

export const ExportStatus = z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
export type ExportStatus = z.infer<typeof ExportStatus>;

export const CreateExportResponse = z.looseObject({
  status: ExportStatus.optional(),
  // Typed `number` in the spec but its example is a UUID.
  exportId: idString,
});

export const ExportStatusResponse = z.looseObject({
  status: ExportStatus,
  exportId: idString.optional(),
  urls: z.array(z.string()).optional(),
});

const Named = z.looseObject({ id: z.string().optional(), name: z.string() });

export const Facility = z.looseObject({
  facilityId: z.string(),
  facilityName: z.string(),
  internalId: z.string().nullable().optional(),
  facilityType: Named.nullable().optional(),
  organization: Named.nullable().optional(),
  isOpen: z.boolean().nullable().optional(),
});
export type Facility = z.infer<typeof Facility>;

export const FacilitiesResponse = z.looseObject({ facilities: z.array(Facility) });

export const Product = z.looseObject({
  id: z.string(),
  productKey: z.string().nullable().optional(),
  name: z.string(),
  category: z.string().nullable().optional(),
  updatedAt: z.string().nullable().optional(),
});
export type Product = z.infer<typeof Product>;

export const ProductsResponse = z.array(Product);

export const OrganizationResponse = z.looseObject({
  organizations: z.array(z.looseObject({ id: z.string(), name: z.string() })),
});
