/*
 * A volatile field's initializer in Kotlin (`@Volatile var x = v`, v not the type's default) is a
 * volatile store in the constructor: a full fence on x86, paid by every object built. The classes
 * made per task, per registration or per operation write such first values by release stores
 * instead (docs/ARCHITECTURE.md, "Threads and memory"; before 2026-12-07 every task paid one fence,
 * a done task two, a done callback three). This test reads bridge-impl's class files and fails on
 * a constructor that stores a volatile field, but for the few classes made once per loop or per
 * primitive.
 */
package dev.aio4j.internal

import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.objectweb.asm.ClassReader
import org.objectweb.asm.ClassVisitor
import org.objectweb.asm.FieldVisitor
import org.objectweb.asm.MethodVisitor
import org.objectweb.asm.Opcodes

class NoFenceAtConstructionTest {
    /** Made once per loop, per primitive or per named task: a fence there costs nothing per operation. */
    private val allowed = setOf(
        "dev/aio4j/internal/TaskImpl\$Extras.name",
        "dev/aio4j/internal/Threads\$Daemons.pruneAt",
        "dev/aio4j/internal/sync/PermitGate.available",
    )

    private class Scanned(val volatileFields: Set<String>, val constructorStores: List<String>, val superOf: Map<String, String>) {
        /** Whether [store] ("owner.field") writes a volatile field, declared in its owner or a superclass of it (a store may name the subclass). */
        fun isVolatile(store: String): Boolean {
            val field = store.substringAfterLast('.')
            var owner: String? = store.substringBeforeLast('.')
            while (owner != null) {
                if ("$owner.$field" in volatileFields) return true
                owner = superOf[owner]
            }
            return false
        }
    }

    private fun scan(classFiles: List<File>): Scanned {
        val volatileFields = HashSet<String>()
        val stores = ArrayList<String>()
        val superOf = HashMap<String, String>()
        for (file in classFiles) {
            ClassReader(file.readBytes()).accept(object : ClassVisitor(Opcodes.ASM9) {
                lateinit var owner: String

                override fun visit(version: Int, access: Int, name: String, signature: String?, superName: String?, interfaces: Array<out String>?) {
                    owner = name
                    if (superName != null) superOf[name] = superName
                }

                override fun visitField(access: Int, name: String, descriptor: String, signature: String?, value: Any?): FieldVisitor? {
                    if (access and Opcodes.ACC_VOLATILE != 0) volatileFields.add("$owner.$name")
                    return null
                }

                override fun visitMethod(access: Int, name: String, descriptor: String, signature: String?, exceptions: Array<out String>?): MethodVisitor? {
                    if (name != "<init>") return null
                    return object : MethodVisitor(Opcodes.ASM9) {
                        override fun visitFieldInsn(opcode: Int, fieldOwner: String, fieldName: String, fieldDescriptor: String) {
                            if (opcode == Opcodes.PUTFIELD) stores.add("$fieldOwner.$fieldName")
                        }
                    }
                }
            }, ClassReader.SKIP_DEBUG or ClassReader.SKIP_FRAMES)
        }
        return Scanned(volatileFields, stores, superOf)
    }

    @Test
    fun noConstructorOfAPerTaskClassStoresAVolatileField() {
        val root = File(TaskImpl::class.java.protectionDomain.codeSource.location.toURI())
        assertTrue(root.isDirectory, "bridge-impl's classes as a directory: $root")
        val classFiles = root.walk().filter { it.isFile && it.name.endsWith(".class") && it.path.contains("dev${File.separator}aio4j") }.toList()
        assertTrue(classFiles.size > 100, "bridge-impl's class files found: ${classFiles.size}")
        val scanned = scan(classFiles)
        // the scan sees the volatile fields: the task's status word is one
        assertTrue("dev/aio4j/internal/TaskImpl.status" in scanned.volatileFields, "volatile fields found: ${scanned.volatileFields.size}")
        val fenced = scanned.constructorStores.filter { scanned.isVolatile(it) }.toSortedSet()
        assertEquals(sortedSetOf<String>(), fenced - allowed, "constructors that store a volatile field (a full fence per object built)")
    }
}
