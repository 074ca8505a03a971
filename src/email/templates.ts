/**
 * The mail templates: Stack's template types with their default subjects (docs/email.md, "Templates"), and the
 * renderer shared by the defaults and the projects' overrides. A template is three strings with `{{variableName}}`
 * placeholders: the subject and the plain-text part get the values as they are (the subject with line breaks
 * removed), the HTML part gets every value HTML-escaped, so a display name can never become markup.
 */

export type EmailTemplateType = 'email_verification' | 'password_reset' | 'magic_link' | 'team_invitation' | 'sign_in_invitation';

export const EMAIL_TEMPLATE_TYPES: readonly EmailTemplateType[] = [
  'email_verification',
  'password_reset',
  'magic_link',
  'team_invitation',
  'sign_in_invitation',
];

export interface EmailTemplate {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The variable that holds each template's main link (the one the development mailbox logs first). */
export const TEMPLATE_LINK_VARIABLE: Record<EmailTemplateType, string> = {
  email_verification: 'emailVerificationLink',
  password_reset: 'passwordResetLink',
  magic_link: 'magicLink',
  team_invitation: 'teamInvitationLink',
  sign_in_invitation: 'signInInvitationLink',
};

/** A template whose body is a greeting, one sentence, a link (shown as a button and as text) and a closing line. */
function linkTemplate(
  subject: string,
  sentence: string,
  linkVariable: string,
  action: string,
  extraText = '',
  extraHtml = '',
): EmailTemplate {
  return {
    subject,
    text: `{{greeting}}\n\n${sentence}${extraText}\n\n${action}:\n{{${linkVariable}}}\n\nIf you did not ask for this, you can ignore this e-mail.\n`,
    html: [
      '<!doctype html>',
      '<html><body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #111;">',
      '<p>{{greeting}}</p>',
      `<p>${sentence}</p>${extraHtml}`,
      `<p><a href="{{${linkVariable}}}" style="display: inline-block; padding: 8px 16px; background: #111; color: #fff; text-decoration: none; border-radius: 4px;">${action}</a></p>`,
      `<p style="font-size: 13px; color: #555;">Or open this link: <a href="{{${linkVariable}}}">{{${linkVariable}}}</a></p>`,
      '<p style="font-size: 13px; color: #555;">If you did not ask for this, you can ignore this e-mail.</p>',
      '</body></html>',
      '',
    ].join('\n'),
  };
}

/** authsync's default templates. The subjects are Stack's, word for word (SDK UIs and test suites match on them). */
export const DEFAULT_TEMPLATES: Readonly<Record<EmailTemplateType, EmailTemplate>> = {
  email_verification: linkTemplate(
    'Verify your email at {{projectDisplayName}}',
    'Please confirm your e-mail address for {{projectDisplayName}}.',
    'emailVerificationLink',
    'Verify my e-mail',
  ),
  password_reset: linkTemplate(
    'Reset your password at {{projectDisplayName}}',
    'Someone asked to reset the password of your {{projectDisplayName}} account.',
    'passwordResetLink',
    'Reset my password',
  ),
  magic_link: linkTemplate(
    'Sign in to {{projectDisplayName}}: Your code is {{otp}}',
    'Your code to sign in to {{projectDisplayName}} is {{otp}}.',
    'magicLink',
    'Sign in',
    ' You can also sign in with this link.',
    // The code alone in its paragraph (`>ABC123</p>`), as Stack's mail has it: scripts that read codes from mail match it.
    '<p style="font-size: 24px; letter-spacing: 4px; font-weight: bold;">{{otp}}</p>',
  ),
  team_invitation: linkTemplate(
    'You have been invited to join {{teamDisplayName}}',
    'You have been invited to join {{teamDisplayName}} on {{projectDisplayName}}.',
    'teamInvitationLink',
    'Join {{teamDisplayName}}',
  ),
  sign_in_invitation: linkTemplate(
    'You have been invited to sign in to {{projectDisplayName}}',
    'You have been invited to sign in to {{projectDisplayName}}.',
    'signInInvitationLink',
    'Sign in',
  ),
};

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Fills `{{name}}` placeholders; an unknown name becomes the empty string. */
export function fillPlaceholders(template: string, variables: Readonly<Record<string, string>>, escape: (value: string) => string): string {
  return template.replace(PLACEHOLDER, (_, name: string) => escape(Object.hasOwn(variables, name) ? variables[name]! : ''));
}

/**
 * Renders a template with the common values (`userDisplayName`, `projectDisplayName`, `greeting`) and the template's
 * own variables.
 */
export function renderTemplate(
  template: EmailTemplate,
  common: { projectDisplayName: string; userDisplayName: string | null },
  variables: Readonly<Record<string, string>>,
): RenderedEmail {
  const name = common.userDisplayName?.trim() ?? '';
  const all: Record<string, string> = {
    ...variables,
    userDisplayName: name,
    projectDisplayName: common.projectDisplayName,
    greeting: name ? `Hi, ${name}!` : 'Hi!',
  };
  return {
    subject: fillPlaceholders(template.subject, all, (value) => value.replace(/[\r\n]+/g, ' ')).trim(),
    text: fillPlaceholders(template.text, all, (value) => value),
    html: fillPlaceholders(template.html, all, escapeHtml),
  };
}
