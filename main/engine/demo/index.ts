export { DemoService, DEMO_FOLDER, CONNECTION_NAME, JOB_NAME } from './service';
export { SandboxHost, SANDBOX_DIR } from './sandbox-host';
export { tourFiles, electricityReport, fuelCardExport, wasteCollections, DEMO_SITES } from './samples';
