/**
 * The mapping wizard's steps, named once: the wizard shows these titles, and every row error that
 * says where to fix something names the step a person will find in it.
 */
export const WIZARD_STEPS = ['Source & sample', 'Structure', 'Columns', 'Sites & periods', 'Units', 'Preview', 'Save'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** "the mapping's “Sites & periods” step", for error messages. */
export const inStep = (step: WizardStep): string => `the mapping's “${step}” step`;
