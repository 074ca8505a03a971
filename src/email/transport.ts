/**
 * Sending one mail over SMTP with nodemailer. The connection's timeouts are short next to the worker's lease, so an
 * attempt always ends (sent or failed) while its row is still leased to this server.
 */
import nodemailer from 'nodemailer';
import type { SmtpServer } from './smtp-settings.js';

export interface OutgoingMail {
  to: string;
  fromName: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** An SMTP refusal or a connection failure, with whether trying again later may help. */
export interface SendFailure {
  message: string;
  /** A 5xx answer to the recipient or the message: the server refused this mail for good. */
  permanent: boolean;
}

export const SMTP_TIMEOUT_MS = 20_000;

/** Sends `mail`; resolves to the server's answer, or throws a SendFailure. */
export async function sendMail(server: SmtpServer, mail: OutgoingMail): Promise<string> {
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.tls === 'tls',
    requireTLS: server.tls === 'starttls',
    ignoreTLS: server.tls === 'none',
    ...(server.username ? { auth: { user: server.username, pass: server.password ?? '' } } : {}),
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  try {
    const info = await transport.sendMail({
      from: { name: server.senderName ?? mail.fromName, address: server.senderEmail },
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    });
    return String(info.response ?? '');
  } catch (error) {
    const err = error as { message?: string; response?: string; responseCode?: number; command?: string };
    const failure: SendFailure = {
      message: (err.response ?? err.message ?? String(error)).slice(0, 1000),
      // Only a 5xx to this recipient or this message is final; one to the login or the sender is the set-up's, and the
      // mail waits (retried) until the operator fixes it.
      permanent:
        typeof err.responseCode === 'number' &&
        err.responseCode >= 500 &&
        err.responseCode < 600 &&
        (err.command === 'RCPT TO' || err.command === 'DATA'),
    };
    throw failure;
  } finally {
    transport.close();
  }
}

export function isSendFailure(value: unknown): value is SendFailure {
  return typeof value === 'object' && value !== null && 'permanent' in value && 'message' in value;
}
